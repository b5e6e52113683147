/** Serialization settings and image template resolution (flytekit's test_container_image_conversion cases). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FlyteValidationError } from "flytekit-ts";
import {
  DEFAULT_IMAGE,
  DEST_DIR,
  fastSettings,
  type ImageConfig,
  REMOTE_PACKAGE_PATH,
  resolveImage,
  SDK_VERSION,
  serializationSettings,
  splitImage,
} from "../../../src/serialize/settings.js";

const DIGEST = "sha256:26c68657ccce2cb0a31b330cb0be2b5e108d467f641c62e13ab40cbec258c68d";
const cfg: ImageConfig = {
  default: "xyz.com/abc:tag1",
  images: {
    other: "xyz.com/other:tag-other",
    other2: `xyz.com/other2@${DIGEST}`,
    other3: `xyz.com/other3@${DIGEST}`,
    untagged: "xyz.com/untagged",
    "with-dash": "xyz.com/dash:d1",
    with_underscore: "xyz.com/under:u1",
    registry: "localhost:5000/app:7",
  },
};

describe("image resolution", () => {
  test("no image or an empty one is the default image", () => {
    assert.equal(resolveImage(undefined, cfg), "xyz.com/abc:tag1");
    assert.equal(resolveImage("", cfg), "xyz.com/abc:tag1");
  });

  test("an image without templates is kept as is", () => {
    assert.equal(resolveImage("abc", cfg), "abc");
    assert.equal(resolveImage("abc:latest", cfg), "abc:latest");
  });

  test("fqn and version templates, of the default and of named images", () => {
    assert.equal(resolveImage("abc:{{.image.default.version}}", cfg), "abc:tag1");
    assert.equal(resolveImage("{{.image.default.fqn}}:{{.image.default.version}}", cfg), "xyz.com/abc:tag1");
    assert.equal(resolveImage("{{.image.other.fqn}}:{{.image.other.version}}", cfg), "xyz.com/other:tag-other");
    assert.equal(resolveImage("{{.image.other.fqn}}:{{.image.default.version}}", cfg), "xyz.com/other:tag1");
    assert.equal(resolveImage("{{.image.other.fqn}}", cfg), "xyz.com/other");
    assert.equal(resolveImage("{{ .image.other.fqn }}", cfg), "xyz.com/other");
    assert.equal(resolveImage("{{.image.default}}", cfg), "xyz.com/abc:tag1");
    assert.equal(resolveImage("{{.image.other}}", cfg), "xyz.com/other:tag-other");
    assert.equal(resolveImage("{{.image.registry.fqn}}:{{.image.registry.version}}", cfg), "localhost:5000/app:7");
  });

  test("the .images. spelling works too", () => {
    assert.equal(resolveImage("{{.images.other.fqn}}", cfg), "xyz.com/other");
    assert.equal(resolveImage("{{.images.other.fqn}}:{{.images.other.version}}", cfg), "xyz.com/other:tag-other");
  });

  test("names with - and _", () => {
    assert.equal(resolveImage("{{.image.with-dash.fqn}}:{{.image.with-dash.version}}", cfg), "xyz.com/dash:d1");
    assert.equal(
      resolveImage("{{.image.with_underscore.fqn}}:{{.image.with_underscore.version}}", cfg),
      "xyz.com/under:u1",
    );
  });

  test("a digest version is joined with @, also when the template says :", () => {
    assert.equal(resolveImage("{{.image.other2.fqn}}@{{.image.other2.version}}", cfg), `xyz.com/other2@${DIGEST}`);
    assert.equal(resolveImage("{{.image.other3.fqn}}:{{.image.other3.version}}", cfg), `xyz.com/other3@${DIGEST}`);
    assert.equal(resolveImage("{{.image.other3}}", cfg), `xyz.com/other3@${DIGEST}`);
  });

  test("an image without a version takes the default image's", () => {
    assert.equal(resolveImage("{{.image.untagged.fqn}}:{{.image.untagged.version}}", cfg), "xyz.com/untagged:tag1");
    assert.throws(
      () => resolveImage("{{.image.untagged.fqn}}:{{.image.untagged.version}}", { images: { untagged: "u" } }),
      /has no version/,
    );
  });

  test("unknown names and attributes are errors", () => {
    for (const spec of [
      "{{.image.blah.fqn}}:{{.image.other.version}}",
      "{{.image.fqn}}:{{.image.other.version}}",
      "{{.image.blah}}",
      "{{.image.other.tag}}",
      "{{.img.other.fqn}}",
    ]) {
      assert.throws(() => resolveImage(spec, cfg), FlyteValidationError, spec);
    }
    assert.throws(() => resolveImage("{{.image.blah}}", cfg), /"blah" is not configured; known images: default, other/);
  });

  test("the image keyword is case-insensitive, as flytekit's pattern (re.IGNORECASE); attributes are exact", () => {
    assert.equal(resolveImage("{{.Image.other.fqn}}:{{.IMAGES.other.version}}", cfg), "xyz.com/other:tag-other");
    assert.equal(resolveImage("{{ .IMAGE.default }}", cfg), "xyz.com/abc:tag1");
    assert.throws(() => resolveImage("{{.image.other.FQN}}", cfg), /only \.fqn and \.version/);
  });

  test("without a default image, no image is an error", () => {
    assert.throws(() => resolveImage(undefined, {}), /no default image/);
    assert.throws(() => resolveImage("{{.image.default.fqn}}", { images: {} }), /no default image/);
    assert.equal(resolveImage("explicit:1", {}), "explicit:1");
  });

  test("splitImage: tag, digest, registry port", () => {
    assert.deepEqual(splitImage("a/b:1"), { fqn: "a/b", version: "1" });
    assert.deepEqual(splitImage(`a/b@${DIGEST}`), { fqn: "a/b", version: DIGEST });
    assert.deepEqual(splitImage("localhost:5000/b"), { fqn: "localhost:5000/b", version: undefined });
  });
});

describe("settings", () => {
  test("defaults: empty ids, the SDK image (or FLYTEKIT_TS_DEFAULT_IMAGE), no env, no fast registration", () => {
    const saved = { ts: process.env.FLYTEKIT_TS_DEFAULT_IMAGE, internal: process.env.FLYTE_INTERNAL_IMAGE };
    delete process.env.FLYTEKIT_TS_DEFAULT_IMAGE;
    delete process.env.FLYTE_INTERNAL_IMAGE;
    try {
      const s = serializationSettings();
      assert.deepEqual([s.project, s.domain, s.version], ["", "", ""]);
      assert.equal(s.image.default, DEFAULT_IMAGE);
      assert.equal(DEFAULT_IMAGE, `ghcr.io/flyteorg/flytekit-ts:${SDK_VERSION}`);
      assert.deepEqual(s.env, {});
      assert.equal(s.fast, undefined);
      assert.equal(s.defaultResources, undefined);
      process.env.FLYTEKIT_TS_DEFAULT_IMAGE = "ghcr.io/acme/base:9";
      assert.equal(serializationSettings().image.default, "ghcr.io/acme/base:9");
      assert.equal(serializationSettings({ image: { default: "x:1" } }).image.default, "x:1");
    } finally {
      if (saved.ts === undefined) delete process.env.FLYTEKIT_TS_DEFAULT_IMAGE;
      else process.env.FLYTEKIT_TS_DEFAULT_IMAGE = saved.ts;
      if (saved.internal !== undefined) process.env.FLYTE_INTERNAL_IMAGE = saved.internal;
    }
  });

  test("fast settings default to the placeholders flytectl fills at registration", () => {
    assert.deepEqual(fastSettings(), { distribution: "{{ .remote_package_path }}", destinationDir: "{{ .dest_dir }}" });
    assert.equal(REMOTE_PACKAGE_PATH, "{{ .remote_package_path }}");
    assert.equal(DEST_DIR, "{{ .dest_dir }}");
    assert.deepEqual(fastSettings({ destinationDir: "/root" }).destinationDir, "/root");
  });
});
