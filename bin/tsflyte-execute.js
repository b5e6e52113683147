#!/usr/bin/env node
import { cli } from "../dist/entrypoint/execute.js";

await cli();
