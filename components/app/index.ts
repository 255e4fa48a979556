export { PhoenixApp, type PhoenixAppArgs } from "./component.ts";
export { appEnv, generatedSecretNames, SQL_CA_ENV, SQL_CA_FILE } from "./env.ts";
export { migrationJobName } from "./migration.ts";
export { appNames, type AppNames } from "./names.ts";
export { DIST_PORT, EPMD_PORT } from "./ports.ts";
