export { ConfigError, loadConfig, type ServerConfig } from './config.js';
export { createLogger } from './logger.js';
export { createServer, type KeywayServer, maxBodyBytes, type ServerOptions } from './server.js';
