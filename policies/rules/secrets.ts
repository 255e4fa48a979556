import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containsCredentialUrl, looksSensitive } from "../../components/shared/sensitive.ts";
import { allContainers, kindOf, known, quote, workloadOf } from "./kubernetes.ts";

// Secrets: credentials reach pods only through Secrets (env from secretKeyRef, or mounted files). A value
// written into a pod spec or a ConfigMap is readable by anyone who can read the workload, is printed by
// `kubectl describe`, and is stored unencrypted in etcd and in the Pulumi state's plain inputs.
// What "looks like a secret" is components/shared/sensitive.ts, the same list config validation uses.

function why(name: string, value: string): string | undefined {
  if (containsCredentialUrl(value)) return "a URL with a password";
  if (looksSensitive(name) && value !== "") return "a secret-looking name";
  return undefined;
}

const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "no-plaintext-secrets",
  description:
    "No secret-looking value (a key named like a password, token or key, or a URL with a password in it) " +
    "may sit in a container's plain env or a ConfigMap: it belongs in a Secret, referenced by secretKeyRef " +
    "or mounted, so it is not readable by everyone who can read the workload or printed by kubectl describe.",
  validateResource: (args, report) => {
    const workload = workloadOf(args.type, args.props, args.name);
    if (workload) {
      for (const c of allContainers(workload.template.spec)) {
        for (const env of c.env ?? []) {
          const value = known(() => env.value);
          if (typeof value !== "string") continue;
          const reason = why(env.name, value);
          if (reason) {
            report(
              `container ${quote(c.name)} sets env ${env.name} (${reason}) in plain text; use a secretKeyRef`,
            );
          }
        }
      }
      return;
    }
    if (kindOf(args.type) === "ConfigMap") {
      const data = (args.props.data ?? {}) as Record<string, string>;
      for (const key of Object.keys(data)) {
        const value = known(() => data[key]);
        if (typeof value !== "string") continue;
        const reason = why(key, value);
        if (reason) report(`ConfigMap key ${key} (${reason}) holds a credential; put it in a Secret`);
      }
    }
  },
};

export const secretsPolicies: ResourceValidationPolicy[] = [noPlaintextSecrets];
