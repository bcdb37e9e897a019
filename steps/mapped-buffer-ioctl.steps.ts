/**
 * Steps of the mapped-buffer-ioctl class (seed 000): an application asks the
 * driver for a buffer mapped into it, has the device fill or read parts of it
 * through the mapping, and makes the requests the class must refuse. Each
 * step is one call into the class's application (src/conformance/mapped-buffer-ioctl).
 */
import { When } from '@cucumber/cucumber';
import { formatBytes } from '../src/contracts/units';
import { mappedBufferClientOf } from '../src/conformance/mapped-buffer-ioctl/application';
import { MAPPED_BUFFER_MAXIMUM } from '../src/conformance/mapped-buffer-ioctl/interface';
import { app, perform, remember } from './support/application-steps';
import { ConformanceWorld } from './support/world';

When('{string} maps a buffer of {size} from the driver', function (this: ConformanceWorld, name: string, size: number) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} maps a buffer of ${formatBytes(size)}`, () => remember(client.app, client.map(size)));
});

When('{string} has the device fill its whole mapped buffer', function (this: ConformanceWorld, name: string) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} has the device fill its mapped buffer`, () => {
    if (!client.view) throw new Error(`${name} has no mapped buffer`);
    remember(client.app, client.fill(0, client.view.length));
  });
});

When('{string} has the device fill {size} of its mapped buffer, {size} into it', function (this: ConformanceWorld, name: string, size: number, offset: number) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} has the device fill ${formatBytes(size)} of its mapped buffer`, () => remember(client.app, client.fill(offset, size)));
});

When('{string} starts the device filling its whole mapped buffer', function (this: ConformanceWorld, name: string) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} starts the device filling its mapped buffer`, () => {
    if (!client.view) throw new Error(`${name} has no mapped buffer`);
    remember(client.app, client.fill(0, client.view.length, true));
  });
});

When('{string} has the device read {size} of its mapped buffer, {size} into it', function (this: ConformanceWorld, name: string, size: number, offset: number) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} has the device read ${formatBytes(size)} of its mapped buffer`, () => {
    const sent = client.send(offset, size);
    if (sent) remember(client.app, sent);
  });
});

When('{string} asks the device to fill past the end of its mapped buffer', function (this: ConformanceWorld, name: string) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} asks for a fill past the end of its mapped buffer`, () => {
    if (!client.view) throw new Error(`${name} has no mapped buffer`);
    remember(client.app, client.transferOutside(client.view.length - 100, 4096));
  });
});

When('{string} asks for a second mapped buffer', function (this: ConformanceWorld, name: string) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} asks for a second mapped buffer`, () => remember(client.app, client.map(4096, undefined, { kind: 'error', why: 'a second map request on one handle' })));
});

When('{string} asks for a mapped buffer with a {count}-byte output buffer', function (this: ConformanceWorld, name: string, outputBytes: number) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} asks for a mapped buffer with a short output buffer`, () => remember(client.app, client.map(4096, outputBytes, { kind: 'error', why: 'an output buffer too short for the mapping\'s address' })));
});

When('{string} asks for a mapped buffer larger than the class allows', function (this: ConformanceWorld, name: string) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} asks for a mapped buffer larger than the class allows`, () => remember(client.app, client.map(MAPPED_BUFFER_MAXIMUM + 4096, undefined, { kind: 'error', why: 'a size above the class\'s maximum' })));
});

When('{string} asks the device to fill {size} of its mapped buffer, running 1 byte past its end', function (this: ConformanceWorld, name: string, size: number) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} asks for a fill running 1 byte past the end of its mapped buffer`, () => {
    if (!client.view) throw new Error(`${name} has no mapped buffer`);
    remember(client.app, client.transferOutside(client.view.length - size + 1, size));
  });
});

When('{string} asks the device to fill {size} of its mapped buffer at an offset whose end wraps past 4 GiB', function (this: ConformanceWorld, name: string, size: number) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} asks for a fill whose offset plus length wraps a 32-bit count`, () => remember(client.app, client.transferWrapping(size)));
});

When('{string} asks for a mapped buffer 1 byte larger than the class allows', function (this: ConformanceWorld, name: string) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} asks for a mapped buffer 1 byte larger than the class allows`, () => remember(client.app, client.map(MAPPED_BUFFER_MAXIMUM + 1, undefined, { kind: 'error', why: 'a size above the class\'s maximum' })));
});

When('{string} asks for a mapped buffer of 0 bytes', function (this: ConformanceWorld, name: string) {
  const client = mappedBufferClientOf(app(this, name));
  perform(this, `${name} asks for a mapped buffer of 0 bytes`, () => remember(client.app, client.map(0, undefined, { kind: 'error', why: 'a size below the class\'s minimum of 1 byte' })));
});
