# The product's image on Node.js 24 LTS: the worker by default; the intake, the Teams bot and the codec server run from
# the same image with another command.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY common ./common
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY client ./client
COPY standins ./standins
COPY scripts ./scripts
COPY rules ./rules
COPY tsconfig.json ./
# The workflow code bundled once, here: the worker loads dist/workflow-bundle.js and starts in seconds.
RUN npx tsx scripts/build-bundle.ts
USER node
CMD ["npx", "tsx", "workers/main.ts"]
