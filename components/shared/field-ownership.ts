import * as pulumi from "@pulumi/pulumi";

// With server-side apply, a field someone changed by hand (`kubectl scale`, `kubectl set env`) belongs to
// that manager, and the next apply of a different value is a field conflict: `pulumi preview --refresh`
// and `pulumi up` fail instead of putting the declared value back. The stack declares these objects, so
// its values win: every Kubernetes object it makes carries the provider's `pulumi.com/patchForce`
// annotation, which applies with force. Fields the stack leaves out (an autoscaled Deployment's replica
// count) stay with whoever owns them.

export const PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce";

type Metadata = { annotations?: pulumi.Input<Record<string, pulumi.Input<string>>> } & Record<
  string,
  unknown
>;

function withForce(metadata: Metadata): Metadata {
  return {
    ...metadata,
    annotations: pulumi
      .output(metadata.annotations ?? {})
      .apply((annotations) => ({ ...annotations, [PATCH_FORCE_ANNOTATION]: "true" })),
  };
}

/** A transformation for a component: the stack's Kubernetes objects take their declared fields back. */
export const forceDeclaredFields: pulumi.ResourceTransformation = (args) => {
  if (!args.type.startsWith("kubernetes:") || args.type.startsWith("kubernetes:yaml")) return undefined;
  const metadata = args.props.metadata as Metadata | undefined;
  if (metadata === undefined || pulumi.Output.isInstance(metadata)) return undefined;
  return { props: { ...args.props, metadata: withForce(metadata) }, opts: args.opts };
};
