/**
 * How a Redis configuration is shown to people (the command line, the dashboard, errors): as a
 * URL with the password replaced by `<redacted>`. One helper, so no caller forgets the password.
 */
import { configToUrl, type ResolvedRedisConfig } from './redis/config.js';

/** The configuration as a URL, password hidden. */
export function redacted(config: ResolvedRedisConfig): string {
  return configToUrl(config, { redact: true });
}
