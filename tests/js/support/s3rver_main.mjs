// An S3-compatible server for tests (npm s3rver): node s3rver_main.mjs DIR BUCKET
// Listens on 127.0.0.1 with an ephemeral port, creates BUCKET, prints the port on
// stdout. Stops on SIGTERM/SIGINT, or when the process that started it is gone (a test
// that crashed does not leave it running).
import S3rver from 's3rver';

const [dir, bucket] = process.argv.slice(2);
if (!dir || !bucket) {
  console.error('usage: s3rver_main.mjs DIR BUCKET');
  process.exit(2);
}
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
process.stdout.write(`${port}\n`);
const stop = async () => {
  await server.close().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 500);
