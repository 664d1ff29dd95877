# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, ship only production dependencies and dist/.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
# The bundled questions of `plainfra eval`: data files read at run time, like migrations/.
COPY eval ./eval
COPY deploy ./deploy
# Amazon RDS's certificate authorities, so DATABASE_URL can say sslmode=verify-full (the ECS template
# does). Readable by the node user; refreshed on every image build.
ADD --chmod=644 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /app/certs/rds-global-bundle.pem
RUN ln -s /app/dist/cli.js /usr/local/bin/plainfra && chmod +x /app/dist/cli.js
USER node
EXPOSE 3000
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
