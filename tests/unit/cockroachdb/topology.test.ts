import { describe, expect, it } from "vitest";
import {
  discoveryFqdn,
  joinAddresses,
  podFqdn,
  publicFqdn,
} from "../../../components/cockroachdb/topology.ts";
import { ADDRESS } from "./fixtures.ts";

const pod = (n: number) => `vsekai-cockroachdb-${n}.vsekai-cockroachdb.vsekai-test.svc.cluster.local:26257`;

describe("cluster addresses", () => {
  it("names the services and pods by FQDN", () => {
    expect(discoveryFqdn(ADDRESS)).toBe("vsekai-cockroachdb.vsekai-test.svc.cluster.local");
    expect(publicFqdn(ADDRESS)).toBe("vsekai-cockroachdb-public.vsekai-test.svc.cluster.local");
    expect(podFqdn(ADDRESS, 2)).toBe("vsekai-cockroachdb-2.vsekai-cockroachdb.vsekai-test.svc.cluster.local");
  });

  it("joins a one-node cluster to itself", () => {
    expect(joinAddresses(ADDRESS, 1)).toEqual([pod(0)]);
  });

  it("joins the first three pods of a three-node cluster", () => {
    expect(joinAddresses(ADDRESS, 3)).toEqual([pod(0), pod(1), pod(2)]);
  });

  it("keeps the same three seeds for five nodes, so scaling does not change the flags", () => {
    expect(joinAddresses(ADDRESS, 5)).toEqual(joinAddresses(ADDRESS, 3));
    expect(joinAddresses(ADDRESS, 99)).toHaveLength(3);
  });

  it("lists both pods of a two-node cluster", () => {
    expect(joinAddresses(ADDRESS, 2)).toEqual([pod(0), pod(1)]);
  });

  it("follows the cluster domain", () => {
    expect(joinAddresses({ ...ADDRESS, clusterDomain: "k8s.example" }, 1)).toEqual([
      "vsekai-cockroachdb-0.vsekai-cockroachdb.vsekai-test.svc.k8s.example:26257",
    ]);
  });
});
