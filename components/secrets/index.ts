import * as pulumi from "@pulumi/pulumi";
import {
  authorityProvider,
  certificateProvider,
  generatedSecretProvider,
  type AuthorityInputs,
  type CertificateInputs,
} from "./providers.ts";
import type { Alphabet } from "./random.ts";
import type { Usage } from "./x509.ts";

/** A random secret made once and kept, encrypted, in state: stable across updates, never in config files. */
export class GeneratedSecret extends pulumi.dynamic.Resource {
  declare readonly value: pulumi.Output<string>;
  constructor(
    name: string,
    args: { length: number; alphabet?: Alphabet },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      generatedSecretProvider,
      name,
      { length: args.length, alphabet: args.alphabet ?? "alphanumeric", value: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["value"] }),
      "vsekai",
      "GeneratedSecret",
    );
  }
}

/** A private certificate authority; replaced on the first `up` inside its renewal window. */
export class CertificateAuthority extends pulumi.dynamic.Resource {
  declare readonly certPem: pulumi.Output<string>;
  declare readonly keyPem: pulumi.Output<string>;
  declare readonly notAfter: pulumi.Output<string>;
  constructor(name: string, args: AuthorityInputs, opts?: pulumi.CustomResourceOptions) {
    super(
      authorityProvider,
      name,
      { ...args, certPem: undefined, keyPem: undefined, notAfter: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["keyPem"] }),
      "vsekai",
      "CertificateAuthority",
    );
  }
}

export interface IssuedCertificateArgs {
  caCertPem: pulumi.Input<string>;
  caKeyPem: pulumi.Input<string>;
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  usages: Usage[];
  validityDays: number;
  renewBeforeDays: number;
}

/** A certificate signed by a CertificateAuthority; replaced when the CA changes or renewal is due. */
export class IssuedCertificate extends pulumi.dynamic.Resource {
  declare readonly certPem: pulumi.Output<string>;
  declare readonly keyPem: pulumi.Output<string>;
  declare readonly notAfter: pulumi.Output<string>;
  constructor(name: string, args: IssuedCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    const inputs: { [K in keyof CertificateInputs]: pulumi.Input<CertificateInputs[K]> } = {
      caCertPem: args.caCertPem,
      caKeyPem: pulumi.secret(args.caKeyPem),
      commonName: args.commonName,
      dnsNames: args.dnsNames ?? [],
      ipAddresses: args.ipAddresses ?? [],
      usages: args.usages,
      validityDays: args.validityDays,
      renewBeforeDays: args.renewBeforeDays,
    };
    super(
      certificateProvider,
      name,
      { ...inputs, certPem: undefined, keyPem: undefined, notAfter: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["keyPem"] }),
      "vsekai",
      "IssuedCertificate",
    );
  }
}
