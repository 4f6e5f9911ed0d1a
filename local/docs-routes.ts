import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { functions } from '../functions/manifest.ts';
import { openApiDocument } from '../functions/_shared/openapi.ts';
import { send, type LocalRoute } from './gateway.ts';

const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css', 'swagger-ui-bundle.js': 'text/javascript', 'swagger-ui-standalone-preset.js': 'text/javascript',
};

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>StreamVibe API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs' });</script>
</body></html>`;

/** GET /openapi.json (generated from the manifest's zod schemas) and GET /docs (Swagger UI served from npm, offline). */
export function docsRoutes(): LocalRoute {
  return async (req, res, url) => {
    if (req.method !== 'GET') return false;
    if (url.pathname === '/openapi.json') {
      send(res, 200, openApiDocument(functions, `http://${req.headers.host ?? 'localhost:3000'}`));
      return true;
    }
    if (url.pathname === '/docs' || url.pathname === '/docs/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(DOCS_PAGE);
      return true;
    }
    const asset = url.pathname.startsWith('/docs/') ? url.pathname.slice('/docs/'.length) : undefined;
    if (asset && asset in ASSETS) {
      res.writeHead(200, { 'content-type': ASSETS[asset]!, 'cache-control': 'public, max-age=86400' });
      res.end(await readFile(join(swaggerDir, asset)));
      return true;
    }
    return false;
  };
}
