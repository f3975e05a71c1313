/** `hwtotp radius`: the verifier as a RADIUS server (see README.md in this folder for the codec choice). */
export { checkRadiusHost, listenRadius, RADIUS_PORT, type RadiusServerOptions, type RunningRadius, type RadiusStats, type DropReason } from './server.ts';
export { RadiusClients, ClientsFileError, type RadiusClient } from './clients.ts';
export { formatDrops, type DropSummary } from './drop-log.ts';
export { RADIUS_REFUSALS, radiusRefusal, type RadiusRefusal } from './refusals.ts';
export { CODE, ATTR, MAX_LENGTH, MalformedPacket, decodePacket, encodePacket, type Packet, type Attribute, type MalformedKind } from './packet.ts';
export { hidePassword, revealPassword } from './password.ts';
export { messageAuthenticator, checkRequestMessageAuthenticator, sealResponse, verifyResponse, MESSAGE_AUTHENTICATOR_LENGTH } from './authenticators.ts';
export { buildReply } from './reply.ts';
export { ReplyCache, REPLY_CACHE_MS } from './reply-cache.ts';
