import { z } from "zod";
import { DNS1123_SUBDOMAIN } from "./kubernetes-formats.ts";

// The shape of the `backup` setting and the secret `backupCredentials`; what they mean is in backup.ts.

const cron = z.string().min(1, "a cron expression such as 0 2 * * *");

export const backupSchema = z
  .object({
    enabled: z.boolean(),
    reason: z.string().min(1, "a sentence saying why this stack goes without backups"),
    target: z
      .object({
        endpoint: z.string(),
        bucket: z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name (3-63 lowercase chars)"),
        prefix: z
          .string()
          .regex(
            /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
            "a key prefix such as vsekai/prod, without / at the ends",
          ),
        region: z.string().regex(/^[a-z0-9-]{1,32}$/, "a region name such as us-east-1"),
        pathStyle: z.boolean(),
      })
      .partial({ prefix: true, region: true, pathStyle: true })
      .strict(),
    credentialsSecret: z
      .string()
      .regex(DNS1123_SUBDOMAIN, "the name of a Secret in the stack's namespace")
      .max(253, "at most 253 characters"),
    schedule: z.object({ full: cron, incremental: cron }).partial().strict(),
    retentionDays: z.number().int("a whole number").min(1, "at least 1").max(3650, "at most 3650"),
    restore: z
      .object({
        run: z
          .string()
          .regex(
            /^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/,
            "1-20 lowercase letters, digits or -, such as 2026-12-03",
          ),
      })
      .strict(),
  })
  .partial()
  .strict();

/** The secret setting `backupCredentials`: set with `pulumi config set --secret --path`. */
export const backupCredentialsSchema = z
  .object({ accessKeyId: z.string().min(1, "a non-empty key id"), secretAccessKey: z.string().min(1) })
  .strict();

export type BackupInput = z.infer<typeof backupSchema>;
export type BackupCredentialsInput = z.infer<typeof backupCredentialsSchema>;
