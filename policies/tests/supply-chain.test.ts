import { describe, expect, it } from "vitest";
import { parseImage } from "../rules/supply-chain.ts";
import { resourceMessages } from "../testing.ts";
import { appDeployment, cockroachStatefulSet, firstContainer, modified, seaweedMaster } from "./fixtures.ts";
import { rule } from "./helpers.ts";

const withImage = (image: string) => modified(appDeployment(), (p) => (firstContainer(p).image = image));
const PROD_REGISTRIES = {
  allowedRegistries: ["docker.io/cockroachdb", "docker.io/chrislusf", "ghcr.io/v-sekai"],
};

describe("parseImage", () => {
  it.each([
    ["nginx", { registry: "docker.io", repository: "library/nginx", tag: undefined, digest: undefined }],
    [
      "cockroachdb/cockroach:v26.2.0",
      { registry: "docker.io", repository: "cockroachdb/cockroach", tag: "v26.2.0", digest: undefined },
    ],
    ["localhost:5000/uro:1", { registry: "localhost:5000", repository: "uro", tag: "1", digest: undefined }],
    [
      "ghcr.io/v-sekai/uro@sha256:abc",
      { registry: "ghcr.io", repository: "v-sekai/uro", tag: undefined, digest: "sha256:abc" },
    ],
  ])("%s", (image, expected) => {
    expect(parseImage(image)).toEqual(expected);
  });
});

describe("image-pinned-tag", () => {
  it.each([
    ["nginx", 'container "uro" uses image "nginx" without a tag'],
    [
      "ghcr.io/v-sekai/uro:latest",
      'container "uro" uses image "ghcr.io/v-sekai/uro:latest": pin a version tag or a digest',
    ],
    ["", 'container "uro" has no image'],
  ])("fires on %j", async (image, message) => {
    expect(await resourceMessages(rule("image-pinned-tag"), withImage(image))).toEqual([message]);
  });

  it.each([
    "ghcr.io/v-sekai/uro:d9679031",
    "ghcr.io/v-sekai/uro:latest@sha256:0123",
    "vsekai.local/uro-standin:ctx-1",
  ])("accepts %s", async (image) => {
    expect(await resourceMessages(rule("image-pinned-tag"), withImage(image))).toEqual([]);
  });
});

describe("image-allowed-registries", () => {
  it("allows our images under the prod list", async () => {
    for (const r of [appDeployment(), cockroachStatefulSet(), seaweedMaster()]) {
      expect(
        await resourceMessages(rule("image-allowed-registries"), r, {
          "image-allowed-registries": PROD_REGISTRIES,
        }),
      ).toEqual([]);
    }
  });

  it("refuses an image from elsewhere, naming the list", async () => {
    const config = { "image-allowed-registries": PROD_REGISTRIES };
    expect(
      await resourceMessages(
        rule("image-allowed-registries"),
        withImage("docker.io/cockroachdbx/cockroach:1"),
        config,
      ),
    ).toEqual([
      'container "uro" pulls "docker.io/cockroachdbx/cockroach:1" from docker.io/cockroachdbx/cockroach, which no ' +
        "allowedRegistries entry covers (docker.io/cockroachdb, docker.io/chrislusf, ghcr.io/v-sekai)",
    ]);
  });

  it("allows anything when the list is empty (the default, and dev)", async () => {
    expect(await resourceMessages(rule("image-allowed-registries"), withImage("evil.example/x:1"))).toEqual(
      [],
    );
  });
});
