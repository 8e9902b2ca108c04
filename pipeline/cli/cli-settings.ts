import { loadSettings, parseSettings, type Settings } from '../config/settings.js';
import { setLogLevel } from '../core/logger.js';

/**
 * Settings for a CLI command (defaults, optional --config file, environment, then the command's own flags such as
 * --backend), validated together, with the log level applied.
 */
export function cliSettings(configFile?: string, flags: { backend?: string } = {}): Settings {
  let settings = loadSettings(configFile);
  if (flags.backend !== undefined) settings = parseSettings({ ...settings, model: { ...settings.model, backend: flags.backend } }, '--backend');
  setLogLevel(settings.logLevel);
  return settings;
}
