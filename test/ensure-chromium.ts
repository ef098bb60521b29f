/**
 * Browser tests run in Debian's Chromium (/usr/bin/chromium); nothing downloads a browser.
 * On a fresh Debian machine where we are root, install it; otherwise say exactly what is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    process.stderr.write(
      `Browser tests need Debian's Chromium at ${CHROMIUM}: run \`sudo apt-get install -y chromium\`.\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`Installing Debian's chromium for the browser tests…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
}
