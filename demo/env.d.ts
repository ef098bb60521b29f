/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The BFF's base URL for the demo page (default http://127.0.0.1:8787). */
  readonly VITE_BFF_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
