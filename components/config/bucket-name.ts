/**
 * What is wrong with an S3 bucket name by SeaweedFS's rules (those of AWS), or undefined. The script
 * below puts the name into a shell command, so only names that pass are ever used.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `${JSON.stringify(name)} must be 3 to 63 characters`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return `${JSON.stringify(name)} may hold only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit`;
  }
  if (name.includes("..")) return `${JSON.stringify(name)} must not contain two dots in a row`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `${JSON.stringify(name)} must not look like an IP address`;
  if (name.startsWith("xn--")) return `${JSON.stringify(name)} must not start with "xn--" (reserved)`;
  if (name.endsWith("-s3alias")) return `${JSON.stringify(name)} must not end with "-s3alias" (reserved)`;
  return undefined;
}
