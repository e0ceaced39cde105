// Copies the Lua scripts next to the compiled code: src/scripts/*.lua → dist/scripts/.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';

mkdirSync('dist/scripts', { recursive: true });
for (const file of readdirSync('src/scripts')) {
  if (file.endsWith('.lua')) copyFileSync(`src/scripts/${file}`, `dist/scripts/${file}`);
}
