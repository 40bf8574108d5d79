# One image for every campus-ledger service; docker-compose.yml picks the service with `ledger start --services`.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENTRYPOINT ["node", "cli/bin.js"]
CMD ["start"]
