import assert from "node:assert/strict";
import { test } from "node:test";
import { FlyteValidationError, ImageSpec } from "flytekit-ts";

test("an ImageSpec renders a Dockerfile for a Node image with the code, its dependencies and no entrypoint", () => {
  const img = new ImageSpec({
    name: "acme/pipelines",
    registry: "ghcr.io",
    aptPackages: ["git", "curl"],
    packages: ["lodash@4"],
    env: { A: "1" },
  });
  const df = img.dockerfile();
  assert.match(df, /^FROM node:22-bookworm-slim\n/);
  assert.match(df, /apt-get install -y --no-install-recommends curl git/);
  assert.match(df, /COPY package.json package-lock.json\* \.\/\nRUN npm ci --omit=dev/);
  assert.match(df, /RUN npm install --no-save --no-audit --no-fund lodash@4/);
  assert.match(df, /ENV FLYTE_PROJECT_ROOT="\/root"/);
  assert.match(df, /ENV A="1"/);
  assert.doesNotMatch(df, /ENTRYPOINT|CMD/);
  assert.ok(df.indexOf("COPY package.json") < df.indexOf("COPY . ."), "dependencies are a layer of their own");
  assert.match(img.fullName, /^ghcr\.io\/acme\/pipelines:[0-9a-f]{20}$/);
});

test("the tag follows the content: same spec, same tag; a change, another tag", () => {
  const a = new ImageSpec({ name: "acme/x", aptPackages: ["git"] });
  const b = new ImageSpec({ name: "acme/x", aptPackages: ["git"] });
  const c = new ImageSpec({ name: "acme/x", aptPackages: ["git", "jq"] });
  assert.equal(a.tag, b.tag);
  assert.notEqual(a.tag, c.tag);
  assert.equal(new ImageSpec({ name: "acme/x", tag: "v1" }).fullName, "acme/x:v1");
});

test("bad names, tags and packages are rejected", () => {
  assert.throws(() => new ImageSpec({ name: "Bad Name" }), FlyteValidationError);
  assert.throws(() => new ImageSpec({ name: "ok", tag: "no spaces" }), /not a valid tag/);
  assert.throws(() => new ImageSpec({ name: "ok", aptPackages: ["git; rm -rf /"] }), /not a package name/);
});
