/**
 * include/dma-conformance/dma-test-device.h, written from the device's leaf
 * contract (src/contracts/dma-test-device-registers.ts): a C driver reads the
 * same register map the device model and the TypeScript drivers read, so the
 * two can never disagree. `npm run headers` writes it; a test keeps it current.
 */
import * as path from 'node:path';
import * as device from '../../contracts/dma-test-device-registers';
import { C_INCLUDE_DIR } from './compiler';

export const DEVICE_HEADER_PATH = path.join(C_INCLUDE_DIR, 'dma-conformance', 'dma-test-device.h');

/** "RingBaseLow" -> "RING_BASE_LOW", "Addressing64Bit" -> "ADDRESSING_64BIT". */
export function cName(name: string): string {
  return name.replace(/([a-z])([A-Z0-9])/g, '$1_$2').toUpperCase();
}

const hex = (value: number): string => `0x${value.toString(16)}${value > 0x7fffffff ? 'u' : ''}`;

/** One #define per member of a contract table, prefixed. */
function table(comment: string, prefix: string, members: Readonly<Record<string, number>>, format: (v: number) => string = hex): string[] {
  return [`/* ${comment} */`, ...Object.entries(members).map(([name, value]) => `#define ${prefix}${cName(name)} ${format(value)}`), ''];
}

export function renderDeviceHeader(): string {
  return [
    '/*',
    ' * The DMA test device (docs/dma-device.md): register offsets, control and',
    ' * status bits, error codes and the descriptor format, for C drivers.',
    ' * Written by `npm run headers` from src/contracts/dma-test-device-registers.ts;',
    ' * do not edit by hand.',
    ' */',
    '#ifndef DMA_CONFORMANCE_DMA_TEST_DEVICE_H',
    '#define DMA_CONFORMANCE_DMA_TEST_DEVICE_H',
    '',
    `#define DMA_DEVICE_ID_VALUE ${hex(device.DMA_DEVICE_ID_VALUE)}`,
    `#define DMA_DEVICE_VENDOR_ID ${hex(device.DMA_DEVICE_VENDOR_ID)}`,
    `#define DMA_DEVICE_DEVICE_ID ${hex(device.DMA_DEVICE_DEVICE_ID)}`,
    '',
    ...table('BARs', 'DMA_BAR_', device.DmaBar, String),
    ...table('BAR0 (memory): 32-bit little-endian registers, by offset', 'DMA_REG_', device.DmaRegister),
    ...table('BAR1 (I/O ports), by offset', 'DMA_PORT_', device.DmaPortRegister),
    ...table('CAPABILITIES bits', 'DMA_CAPABILITY_', device.DmaCapability),
    ...table('CONTROL bits', 'DMA_CONTROL_', device.DmaControl),
    ...table('STATUS: the state (STATUS & DMA_STATUS_STATE_MASK)', 'DMA_STATE_', device.DmaState, String),
    ...table('STATUS bits; the error code is STATUS >> DMA_STATUS_ERROR_CODE_SHIFT', 'DMA_STATUS_', device.DmaStatusBit),
    ...table('Error codes', 'DMA_ERROR_', device.DmaError, String),
    ...table('INTERRUPT_STATUS / INTERRUPT_MASK / INTERRUPT_ACK bits', 'DMA_INTERRUPT_', device.DmaInterrupt),
    ...table('Descriptor flags', 'DMA_DESCRIPTOR_', device.DescriptorFlag),
    `#define DMA_MAX_RING_DESCRIPTORS ${device.MAX_RING_DESCRIPTORS}`,
    '',
    '/* One descriptor of the ring: the device reads it, and writes DMA_DESCRIPTOR_COMPLETED back into Flags. */',
    'typedef struct _DMA_DESCRIPTOR {',
    '  ULONGLONG Address;',
    '  ULONG Length;',
    '  ULONG Flags;',
    '} DMA_DESCRIPTOR, *PDMA_DESCRIPTOR;',
    `_Static_assert(sizeof(DMA_DESCRIPTOR) == ${device.DESCRIPTOR_SIZE}, "the device's descriptor is ${device.DESCRIPTOR_SIZE} bytes");`,
    '',
    '#endif',
    '',
  ].join('\n');
}
