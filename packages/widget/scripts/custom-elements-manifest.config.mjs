// Configuration of @custom-elements-manifest/analyzer for <care-sidebar>, read by
// scripts/custom-elements-manifest.ts (globs are relative to packages/widget).

/**
 * Drops private and protected members (`#fields`, internal methods): the manifest describes what a
 * host can use, and does not change when the element's internals do.
 * @returns {import('@custom-elements-manifest/analyzer').Plugin}
 */
function publicApiOnly() {
  return {
    name: 'care-sidebar-public-api-only',
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        for (const declaration of module.declarations ?? []) {
          if (!('members' in declaration) || !declaration.members) continue;
          declaration.members = declaration.members.filter(
            (member) => member.privacy !== 'private' && member.privacy !== 'protected' && !member.name.startsWith('#'),
          );
        }
      }
    },
  };
}

export default {
  // The public surface: the module that defines the tag, the element, and its events.
  globs: ['src/care-sidebar.ts', 'src/care-sidebar.component.ts', 'src/events.ts'],
  litelement: true,
  // packages/widget/package.json names the manifest itself (`customElements`); never rewritten.
  packagejson: false,
  quiet: true,
  plugins: [publicApiOnly()],
};
