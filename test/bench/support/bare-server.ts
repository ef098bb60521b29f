/**
 * The baseline for the cache-hit ratio: a bare node:http server answering every request with the
 * same bytes the BFF sent (argv[2], a file) and its content type (argv[3]). A child process like the
 * bench BFF, so both sides of the ratio run under the same conditions.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const [bodyFile, contentType] = process.argv.slice(2);
if (!bodyFile || !contentType || !process.send) {
  process.stderr.write('usage: forked by the cache-hit bench with a body file and a content type\n');
  process.exit(64);
}
const body = readFileSync(bodyFile);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.byteLength });
  res.end(body);
});
server.listen(0, '127.0.0.1', () =>
  process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port }),
);
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('message', (m: { type?: string }) => {
  if (m.type === 'stop') stop();
  // Its CPU time so far (all threads), so the bench can set its cost per request beside the BFF's.
  if (m.type === 'stats') {
    const cpu = process.cpuUsage();
    process.send?.({ type: 'stats', cpuMicros: cpu.user + cpu.system });
  }
});
process.on('disconnect', stop);
