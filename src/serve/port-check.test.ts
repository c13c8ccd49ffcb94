import { createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { checkPortFree } from "./port-check.js";

const held: Server[] = [];
afterAll(() => held.forEach((s) => s.close()));

function listen(): Promise<number> {
  const s = createServer();
  held.push(s);
  return new Promise((res) => s.listen(0, "127.0.0.1", () => res((s.address() as AddressInfo).port)));
}

describe("checkPortFree", () => {
  it("rejects a port another server holds, naming it", async () => {
    const port = await listen();
    await expect(checkPortFree("127.0.0.1", port)).rejects.toThrow(`127.0.0.1:${port} is already in use`);
  });

  it("accepts a free port and leaves it free", async () => {
    const port = await listen();
    held.pop()?.close();
    await new Promise((r) => setTimeout(r, 20));
    await checkPortFree("127.0.0.1", port);
    await checkPortFree("127.0.0.1", port);
    await checkPortFree("127.0.0.1", 0);
  });
});
