import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium: nothing here downloads a browser (`npm test` installs the package if missing). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless, no sandbox (containers), no GPU, and none of the browser's own background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches headless Debian Chromium with the project's flags, plus `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}
