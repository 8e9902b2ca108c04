import { loadSettings, type Settings } from '../config/settings.js';
import { setLogLevel } from '../core/logger.js';

/** Settings for a CLI command (defaults, optional --config file, environment), with the log level applied. */
export function cliSettings(configFile?: string): Settings {
  const settings = loadSettings(configFile);
  setLogLevel(settings.logLevel);
  return settings;
}
