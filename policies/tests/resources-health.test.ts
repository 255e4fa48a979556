import { describe, expect, it } from "vitest";
import { resourceMessages } from "../testing.ts";
import {
  appDeployment,
  cockroachInitJob,
  cockroachStatefulSet,
  firstContainer,
  modified,
  seaweedMaster,
  seaweedVolume,
} from "./fixtures.ts";
import { rule, type Props } from "./helpers.ts";

const ours = () => [
  appDeployment(),
  cockroachStatefulSet(),
  cockroachInitJob(),
  seaweedMaster(),
  seaweedVolume(),
];

describe("resources and health rules stay quiet on our components", () => {
  for (const name of ["container-resources", "container-probes", "probe-ports-declared", "job-ttl"]) {
    it(name, async () => {
      for (const r of ours()) expect(await resourceMessages(rule(name), r)).toEqual([]);
    });
  }
});

describe("container-resources", () => {
  it("names every missing request and limit", async () => {
    const bare = modified(appDeployment(), (p) => (firstContainer(p).resources = { requests: { cpu: "1" } }));
    expect(await resourceMessages(rule("container-resources"), bare)).toEqual([
      'container "uro" sets no requests.memory, limits.cpu, limits.memory',
    ]);
  });
});

describe("container-probes", () => {
  it("requires readiness and liveness on a server", async () => {
    const blind = modified(cockroachStatefulSet(), (p) => {
      delete firstContainer(p).readinessProbe;
      delete firstContainer(p).livenessProbe;
    });
    expect(await resourceMessages(rule("container-probes"), blind)).toEqual([
      'container "cockroachdb" has no readinessProbe',
      'container "cockroachdb" has no livenessProbe',
    ]);
  });

  it("does not ask a Job for probes (the init Job has none)", async () => {
    expect(firstContainer(cockroachInitJob().props).readinessProbe).toBeUndefined();
    expect(await resourceMessages(rule("container-probes"), cockroachInitJob())).toEqual([]);
  });
});

describe("probe-ports-declared", () => {
  it("refuses a probe on a port name the container does not declare", async () => {
    const wrong = modified(appDeployment(), (p) => {
      (firstContainer(p).readinessProbe as Props).httpGet = { path: "/health", port: "http" };
    });
    expect(await resourceMessages(rule("probe-ports-declared"), wrong)).toEqual([
      'container "uro" readinessProbe targets port "http", which the container does not declare',
    ]);
  });

  it("accepts a declared port by number and refuses an undeclared number", async () => {
    const byNumber = (port: number) =>
      modified(
        appDeployment(),
        (p) => ((firstContainer(p).livenessProbe as Props).httpGet = { path: "/", port }),
      );
    expect(await resourceMessages(rule("probe-ports-declared"), byNumber(4001))).toEqual([]);
    expect(await resourceMessages(rule("probe-ports-declared"), byNumber(9999))).toEqual([
      'container "uro" livenessProbe targets port 9999, which the container does not declare',
    ]);
  });
});

describe("job-ttl", () => {
  it("fires on a Job that stays forever", async () => {
    const forever = modified(cockroachInitJob(), (p) => delete (p.spec as Props).ttlSecondsAfterFinished);
    expect(await resourceMessages(rule("job-ttl"), forever)).toEqual([
      'Job "vsekai-cockroachdb-init" has no ttlSecondsAfterFinished',
    ]);
  });
});
