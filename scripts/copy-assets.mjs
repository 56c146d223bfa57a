// The viewer's static files ship inside the package: copied from src/serve/assets to dist.
import { cpSync } from "node:fs";
cpSync(new URL("../src/serve/assets/", import.meta.url), new URL("../dist/serve/assets/", import.meta.url), { recursive: true });
