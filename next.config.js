/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native and Node-only packages stay out of the bundle and load from node_modules at run time.
  serverExternalPackages: [
    "onnxruntime-node",
    "bullmq",
    "ioredis",
    "pg",
    "@prisma/adapter-pg",
    "pino",
    // Session and inspection threads outside Next.js bundle their entry with it at run time.
    "esbuild",
  ],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
