import { expect } from 'chai';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { LazyModule } from './lazy-module.ts';

/** A host that counts redraw requests. */
function fakeHost(): ReactiveControllerHost & { updates: number } {
  const host = {
    updates: 0,
    addController: (_c: ReactiveController) => undefined,
    removeController: (_c: ReactiveController) => undefined,
    requestUpdate: () => {
      host.updates++;
    },
    updateComplete: Promise.resolve(true),
  };
  return host;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('LazyModule', () => {
  it('loads once, however often it is asked, and redraws the host when the module arrives', async () => {
    const host = fakeHost();
    let imports = 0;
    const lazy = new LazyModule(host, () => {
      imports++;
      return Promise.resolve({ part: 'reader' });
    });
    lazy.prefetch();
    lazy.load();
    lazy.prefetch();
    expect(lazy.module).to.equal(undefined);
    await settle();
    expect(lazy.module).to.deep.equal({ part: 'reader' });
    expect([imports, host.updates]).to.deep.equal([1, 1]);
    lazy.load();
    expect(imports).to.equal(1);
  });

  it('after a failed load, says so; prefetching never retries it, a load (a user action) does', async () => {
    const host = fakeHost();
    let imports = 0;
    const lazy = new LazyModule(host, () => {
      imports++;
      return imports === 1 ? Promise.reject(new Error('offline')) : Promise.resolve({ part: 'history' });
    });
    lazy.prefetch();
    await settle();
    expect([lazy.failed, lazy.module, host.updates]).to.deep.equal([true, undefined, 1]);
    lazy.prefetch();
    await settle();
    expect(imports, 'no retry from prefetch: no loop of failing requests').to.equal(1);
    lazy.load();
    await settle();
    expect([imports, lazy.failed, lazy.module]).to.deep.equal([2, false, { part: 'history' }]);
  });
});
