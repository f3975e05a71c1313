/** Runs the RFC 4226/6238 conformance suite against every HMAC implementation. */
import { otpSuite } from './otp-suite.ts';
import { HMAC_IMPLEMENTATIONS } from './hmac-impls.ts';

for (const [name, hmac] of HMAC_IMPLEMENTATIONS) otpSuite(name, hmac);
