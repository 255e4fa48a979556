// What a secret looks like by name. Config validation refuses such names in plain `app.env`, and the
// policy pack flags them in plain container env and ConfigMaps: one list, so the two cannot drift.

const SENSITIVE_NAME =
  /(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|CREDENTIAL|COOKIE|SIGNER|DATABASE_URL|_DSN$)/i;

export function looksSensitive(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

// A URL with a password in it (scheme://user:pass@host) is a credential whatever its key is called.
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:[^@\s]+@/i;

export function containsCredentialUrl(value: string): boolean {
  return URL_WITH_PASSWORD.test(value);
}
