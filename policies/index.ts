import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./rules/index.ts";

// The pack the engine runs (`pulumi preview --policy-pack policies --policy-pack-config policies/<env>.json`).
// Every rule is mandatory unless the environment's config file says otherwise.
new PolicyPack(PACK_NAME, { policies, enforcementLevel: "mandatory" });
