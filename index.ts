import { loadStackSettings } from "./components/config/load.ts";
import { VSekaiStack } from "./components/stack/component.ts";
import { makeKubernetesProvider } from "./components/shared/provider.ts";

// Config is validated before anything is declared: a bad stack file fails here, with every problem named,
// and the engine has nothing to create or destroy.
const settings = loadStackSettings();
const kubernetes = makeKubernetesProvider("kubernetes", { renderDir: settings.renderYamlTo });
const stack = new VSekaiStack("vsekai", settings, { providers: { kubernetes } });

export const environment = settings.environment;
export const namespace = stack.namespace;
export const appUrl = stack.appUrl;
export const sqlHost = stack.sqlHost;
export const sqlPort = stack.sqlPort;
export const databaseUrl = stack.databaseUrl;
export const s3Endpoint = stack.s3Endpoint;
export const s3Bucket = stack.s3Bucket;
export const s3AccessKeyId = stack.s3AccessKeyId;
export const s3SecretAccessKey = stack.s3SecretAccessKey;
