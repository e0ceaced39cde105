// Copies the Lua scripts next to the compiled code: src/redis/scripts/*.lua → dist/redis/scripts/.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';

mkdirSync('dist/redis/scripts', { recursive: true });
for (const file of readdirSync('src/redis/scripts')) {
  if (file.endsWith('.lua'))
    copyFileSync(`src/redis/scripts/${file}`, `dist/redis/scripts/${file}`);
}

// The dashboard's page, script and style: src/dashboard/static/ → dist/dashboard/static/.
mkdirSync('dist/dashboard/static', { recursive: true });
for (const file of readdirSync('src/dashboard/static')) {
  copyFileSync(`src/dashboard/static/${file}`, `dist/dashboard/static/${file}`);
}
