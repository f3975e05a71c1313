/**
 * A raw HTTP/1.1 exchange over a `net` socket: for requests fetch() refuses to send (a bad
 * Content-Length, a repeated one, a wrong Host), and to read the reply exactly as the server wrote it.
 */
import net from 'node:net';

export interface RawReply {
  status: number;
  /** Header names lower-cased. */
  headers: { [name: string]: string };
  body: string;
}

/** Sends `request` as is to 127.0.0.1:port and parses the first reply (the server closes or we stop after 3 s). */
export function rawRequest(port: number, request: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      const head = data.split('\r\n\r\n')[0] ?? '';
      const lines = head.split('\r\n');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '');
      if (!m) return reject(new Error(`no HTTP reply: ${JSON.stringify(data.slice(0, 200))}`));
      const headers: { [name: string]: string } = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      const body = data.slice(head.length + 4);
      const len = Number(headers['content-length']);
      resolve({ status: Number(m[1]), headers, body: Number.isFinite(len) ? body.slice(0, len) : body });
    };
    const timer = setTimeout(done, 3000);
    s.setEncoding('utf8');
    s.on('data', (d) => {
      data += d;
      const head = data.split('\r\n\r\n');
      const len = /content-length: *(\d+)/i.exec(head[0] ?? '');
      if (head.length > 1 && len && Buffer.byteLength(data.slice((head[0] ?? '').length + 4)) >= Number(len[1])) done();
    });
    s.on('close', done);
    s.on('error', () => undefined);
    s.write(request);
  });
}
