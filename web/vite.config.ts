import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The server serves this folder at / (src/console/console-static.ts). */
const outDir = path.resolve(here, '..', 'dist', 'web');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

/** Writes .br and .gz beside each text file: the server sends them to browsers that accept them (no compression at request time). */
function precompress(): Plugin {
  return {
    name: 'pif-precompress',
    apply: 'build',
    writeBundle() {
      for (const file of filesUnder(outDir)) {
        if (!/\.(js|css|html|svg)$/.test(file)) continue;
        const content = readFileSync(file);
        if (content.length < 1024) continue;
        writeFileSync(`${file}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: '/',
  // Vite 8 compiles TSX itself (oxc); React 19's automatic runtime needs no `import React`.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // The Content-Security-Policy allows scripts, styles and images from this origin only: no data: URIs, no inline polyfill.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rolldownOptions: {
      onwarn(warning, warn) {
        // rjsf marks its hooks 'use client' for React Server Components; this bundle has no server components.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  plugins: [precompress()],
  // `npm run dev:web`: the console with hot reload on 127.0.0.1:5173, the API from a server started with `npm start`.
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: { '/api': 'http://127.0.0.1:3000', '/health': 'http://127.0.0.1:3000', '/docs': 'http://127.0.0.1:3000' },
  },
});
