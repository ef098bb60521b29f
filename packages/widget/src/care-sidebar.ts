import { CareSidebar } from './care-sidebar.component.ts';
import { registerSidebarRem } from './sidebar-rem.ts';

export { CareSidebar } from './care-sidebar.component.ts';
export * from './events.ts';

// Guarded so a host page that loads the bundle twice does not throw.
if (!customElements.get('care-sidebar')) {
  registerSidebarRem();
  customElements.define('care-sidebar', CareSidebar);
}

declare global {
  interface HTMLElementTagNameMap {
    'care-sidebar': CareSidebar;
  }
}
