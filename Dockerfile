# The default task image of flytekit-ts, ghcr.io/flyteorg/flytekit-ts:<version of package.json>: the image that task
# containers use when no other image is configured (--image, FLYTEKIT_TS_DEFAULT_IMAGE, a task's containerImage).
# Build it from a checkout with `bash scripts/build-image.sh`, which tags it with that name (--push pushes it).
#
# It holds Node and this package, installed in /root (the working directory, where fast registration unpacks code
# bundles) so that task code there imports flytekit-ts, with tsflyte-execute, tsflyte-map-execute and
# tsflyte-fast-execute on PATH. Tasks run as the unprivileged user `node` (uid 1000), named by number so that a pod
# with runAsNonRoot can tell it is not root.
ARG NODE_VERSION=22

# Stage 1: build the package from the sources and pack it as npm would publish it.
FROM node:${NODE_VERSION}-bookworm-slim AS pack
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY bin ./bin
COPY src ./src
RUN npm run build && mkdir /pkg && npm pack --ignore-scripts --pack-destination /pkg

# Stage 2: the runtime image.
FROM node:${NODE_VERSION}-bookworm-slim
WORKDIR /root
COPY --from=pack /pkg/ /tmp/pkg/
RUN npm install --omit=dev --no-save --no-audit --no-fund /tmp/pkg/flytekit-ts-*.tgz && rm -rf /tmp/pkg /root/.npm
# Cold start. The SDK's compiled code is cached in the image (Node 22's NODE_COMPILE_CACHE, keyed by file and content):
# every task process reads it instead of compiling the SDK again. No --enable-source-maps: with it the first stack
# trace a process formats (a task definition reads its module's name from one) parses the source map of the SDK's
# main chunk, about 90 ms of every task's start; the maps ship in dist/ for a task environment that sets it.
RUN mkdir -p /root/.cache/node-compile \
  && NODE_COMPILE_CACHE=/root/.cache/node-compile node --input-type=module \
    -e 'await import("flytekit-ts"); for (const e of ["execute", "map-execute", "fast-execute"]) await import("/root/node_modules/flytekit-ts/dist/entrypoint/" + e + ".js");' \
  && chown -R node:node /root/.cache
RUN chown node:node /root && chmod 0755 /root
ENV PATH=/root/node_modules/.bin:$PATH NODE_COMPILE_CACHE=/root/.cache/node-compile
USER 1000:1000
