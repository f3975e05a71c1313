/** Firmware version reported by HELLO (fw=). Kept equal to device/package.json by a test. */
export const FW_VERSION = '0.1.0';
