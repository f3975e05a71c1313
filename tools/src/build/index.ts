/** `npm run build`: builds every firmware bundle and prints its size (see ./firmware.ts). */
import { buildFirmware } from './firmware.ts';

try {
  const result = await buildFirmware();
  for (const name of Object.keys(result.sizes)) {
    process.stdout.write('device/dist/' + name + '.js  ' + result.sizes[name] + ' bytes\n');
  }
} catch (e) {
  process.stderr.write('build: ' + (e as Error).message + '\n');
  process.exitCode = 1;
}
