import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StorageError } from "../../../src/storage/errors.js";
import { parseS3Uri } from "../../../src/storage/s3.js";
import { asDirectoryUri, joinUri, parseUri } from "../../../src/storage/types.js";
import { escapeXml, parseXml, xmlChildren, xmlChildText } from "../../../src/storage/xml.js";

describe("URIs", () => {
  it("parses schemes, authorities and paths without decoding", () => {
    assert.deepEqual(parseUri("s3://bucket/a/b%20c.pb"), {
      scheme: "s3",
      authority: "bucket",
      path: "/a/b%20c.pb",
      isLocalPath: false,
    });
    assert.deepEqual(parseUri("GS://b"), { scheme: "gs", authority: "b", path: "", isLocalPath: false });
    assert.deepEqual(parseUri("file:///tmp/x"), { scheme: "file", authority: "", path: "/tmp/x", isLocalPath: false });
    assert.deepEqual(parseUri("rel/dir"), { scheme: "file", authority: "", path: "rel/dir", isLocalPath: true });
    assert.equal(parseUri("C://x").isLocalPath, true, "drive letters are not schemes");
    assert.throws(() => parseUri(""), StorageError);
  });

  it("joins with single slashes", () => {
    assert.equal(joinUri("s3://b", "x"), "s3://b/x");
    assert.equal(joinUri("s3://b/p/", "/o/", "", "a/b.pb"), "s3://b/p/o/a/b.pb");
    assert.equal(joinUri("/tmp/d", "f"), "/tmp/d/f");
    assert.equal(joinUri("file:///", "tmp"), "file:///tmp");
  });

  it("normalises directory URIs", () => {
    assert.equal(asDirectoryUri("s3://b/p"), "s3://b/p/");
    assert.equal(asDirectoryUri("s3://b/p//"), "s3://b/p/");
    assert.equal(asDirectoryUri("s3://b"), "s3://b/");
    assert.equal(asDirectoryUri("file:///"), "file:///");
    assert.equal(asDirectoryUri("/"), "/");
  });

  it("splits s3 URIs and rejects ones URL normalisation would rewrite", () => {
    assert.deepEqual(parseS3Uri("s3://bkt/k/x"), { bucket: "bkt", key: "k/x" });
    assert.deepEqual(parseS3Uri("s3://bkt"), { bucket: "bkt", key: "" });
    for (const bad of ["s3:///k", "gs://b/k", "s3://b/a/../k", "s3://b/./k", "/local"]) {
      assert.throws(
        () => parseS3Uri(bad),
        (e: unknown) => e instanceof StorageError && e.kind === "invalid",
      );
    }
  });
});

describe("XML reader", () => {
  it("reads S3 list responses with namespaces, entities and CDATA", () => {
    const doc = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <!-- comment -->
  <Contents><Key>a&amp;b &lt;c&gt; &#x263A;&#65;</Key><Size>3</Size></Contents>
  <Contents><Key><![CDATA[x<y]]></Key></Contents>
  <s3:IsTruncated xmlns:s3="x">true</s3:IsTruncated>
  <Empty/>
</ListBucketResult>`;
    const root = parseXml(doc);
    assert.equal(root.name, "ListBucketResult");
    assert.deepEqual(
      xmlChildren(root, "Contents").map((c) => xmlChildText(c, "Key")),
      ["a&b <c> \u263aA", "x<y"],
    );
    assert.equal(xmlChildText(root, "IsTruncated"), "true");
    assert.equal(xmlChildText(root, "Empty"), "");
  });

  it("rejects DTDs, unknown entities and malformed nesting", () => {
    const bad = [
      '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
      "<x>&bogus;</x>",
      "<x><y></x></y>",
      "<x>",
      "<x/><y/>",
      "text",
      "<x>&#xD800;</x>",
    ];
    for (const b of bad) assert.throws(() => parseXml(b), /offset/, b);
    assert.throws(() => parseXml("<a>".repeat(100) + "</a>".repeat(100)), /too deep/);
  });

  it("escapes text", () => {
    assert.equal(escapeXml(`"e&t'<>`), "&quot;e&amp;t&apos;&lt;&gt;");
  });
});
