/**
 * Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/): bit access on the
 * uncompressed bitstring and the `encodedList` codec.
 */
export {
  checkStatusSize,
  createStatusList,
  entryCount,
  MAX_STATUS_SIZE,
  MIN_STATUS_LIST_ENTRIES,
  readStatus,
  revocationBitsCleared,
  writeStatus,
} from './bitstring.ts';
export {
  type DecodeStatusListOptions,
  decodeStatusList,
  ENCODED_LIST_FIELD,
  encodeStatusList,
  maxEncodedListLength,
} from './codec.ts';
