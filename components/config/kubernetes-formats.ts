// Formats the Kubernetes API server validates, as regular expressions for the config schema. Each mirrors a
// function of k8s.io/apimachinery/pkg/util/validation (or the API type's own validation), so a value that
// passes here is not refused later, in the middle of an update.

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

/**
 * IsDNS1123Subdomain: dot-separated DNS-1123 labels, at most 253 characters (checked apart). Names of
 * Secrets, StorageClasses and IngressClasses, and Ingress hosts, are validated with it.
 */
export const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);

/**
 * IsValidPortName (IANA_SVC_NAME), for container port names, probe ports and Ingress backend ports: at most
 * 15 characters (checked apart) of a-z, 0-9 and '-', at least one letter, no '-' at either end, no "--".
 */
export const IANA_SERVICE_NAME = /^(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * An Ingress path of pathType Prefix (validateHTTPIngressPath in pkg/apis/networking/validation): absolute,
 * without "//", "/./", "/../" or "%2f"/"%2F" anywhere and not ending in "/." or "/..".
 */
export const INGRESS_PREFIX_PATH = /^(?!.*(\/\/|\/\.\/|\/\.\.\/|%2[fF]))(?!.*\/\.\.?$)\/.*$/s;
