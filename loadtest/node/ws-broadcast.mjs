// The Node.js comparison: a broadcast server on the npm package `ws`, doing what the Rust
// reference server does (every text message relayed to every client), for docs/BENCHMARKS.md.
//     node ws-broadcast.mjs 127.0.0.1 9002
import { WebSocketServer } from 'ws';

const [host = '127.0.0.1', port = '9002'] = process.argv.slice(2);
const server = new WebSocketServer({ host, port: Number(port), path: '/ws', backlog: 4096 });

server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    // One buffer shared by every send, as in the Rust servers.
    for (const client of server.clients) {
      if (client.readyState === 1) client.send(data, { binary: isBinary });
    }
  });
});
server.on('listening', () => console.error(`ws broadcast server on ws://${host}:${port}/ws`));
