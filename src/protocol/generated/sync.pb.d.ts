import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace sluice. */
export namespace sluice {

    /** Namespace sync. */
    namespace sync {

        /** Namespace v1. */
        namespace v1 {

            /** Op enum. */
            enum Op {

                /** OP_PUT value */
                OP_PUT = 0,

                /** OP_DELETE value */
                OP_DELETE = 1
            }

            /**
             * Properties of an Entry.
             * @deprecated Use sluice.sync.v1.Entry.$Properties instead.
             */
            interface IEntry extends sluice.sync.v1.Entry.$Properties {
            }

            /** Represents an Entry. */
            class Entry {

                /**
                 * Constructs a new Entry.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.Entry.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** Entry collection. */
                collection: string;

                /** Entry key. */
                key: string;

                /** Entry op. */
                op: sluice.sync.v1.Op;

                /** Entry payload. */
                payload: string;

                /** Entry wall. */
                wall: number;

                /** Entry logic. */
                logic: number;

                /** Entry nodeId. */
                nodeId: string;

                /** Entry hash. */
                hash: Uint8Array;

                /** Entry prevHash. */
                prevHash: Uint8Array;

                /** Entry signature. */
                signature: Uint8Array;

                /**
                 * Encodes the specified Entry message. Does not implicitly {@link sluice.sync.v1.Entry.verify|verify} messages.
                 * @param message Entry message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.Entry.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes an Entry message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.Entry & sluice.sync.v1.Entry.$Shape} Entry
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.Entry & sluice.sync.v1.Entry.$Shape;
            }

            namespace Entry {

                /** Properties of an Entry. */
                interface $Properties {

                    /** Entry collection */
                    collection?: (string|null);

                    /** Entry key */
                    key?: (string|null);

                    /** Entry op */
                    op?: (sluice.sync.v1.Op|null);

                    /** Entry payload */
                    payload?: (string|null);

                    /** Entry wall */
                    wall?: (number|null);

                    /** Entry logic */
                    logic?: (number|null);

                    /** Entry nodeId */
                    nodeId?: (string|null);

                    /** Entry hash */
                    hash?: (Uint8Array|null);

                    /** Entry prevHash */
                    prevHash?: (Uint8Array|null);

                    /** Entry signature */
                    signature?: (Uint8Array|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of an Entry. */
                type $Shape = sluice.sync.v1.Entry.$Properties;
            }

            /**
             * Properties of an AuthorHead.
             * @deprecated Use sluice.sync.v1.AuthorHead.$Properties instead.
             */
            interface IAuthorHead extends sluice.sync.v1.AuthorHead.$Properties {
            }

            /** Represents an AuthorHead. */
            class AuthorHead {

                /**
                 * Constructs a new AuthorHead.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.AuthorHead.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** AuthorHead nodeId. */
                nodeId: string;

                /** AuthorHead wall. */
                wall: number;

                /** AuthorHead logic. */
                logic: number;

                /** AuthorHead hash. */
                hash: Uint8Array;

                /**
                 * Encodes the specified AuthorHead message. Does not implicitly {@link sluice.sync.v1.AuthorHead.verify|verify} messages.
                 * @param message AuthorHead message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.AuthorHead.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes an AuthorHead message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.AuthorHead & sluice.sync.v1.AuthorHead.$Shape} AuthorHead
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.AuthorHead & sluice.sync.v1.AuthorHead.$Shape;
            }

            namespace AuthorHead {

                /** Properties of an AuthorHead. */
                interface $Properties {

                    /** AuthorHead nodeId */
                    nodeId?: (string|null);

                    /** AuthorHead wall */
                    wall?: (number|null);

                    /** AuthorHead logic */
                    logic?: (number|null);

                    /** AuthorHead hash */
                    hash?: (Uint8Array|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of an AuthorHead. */
                type $Shape = sluice.sync.v1.AuthorHead.$Properties;
            }

            /**
             * Properties of a HandshakeRequest.
             * @deprecated Use sluice.sync.v1.HandshakeRequest.$Properties instead.
             */
            interface IHandshakeRequest extends sluice.sync.v1.HandshakeRequest.$Properties {
            }

            /** Represents a HandshakeRequest. */
            class HandshakeRequest {

                /**
                 * Constructs a new HandshakeRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.HandshakeRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** HandshakeRequest nodeId. */
                nodeId: string;

                /** HandshakeRequest authToken. */
                authToken: string;

                /** HandshakeRequest compression. */
                compression: string[];

                /** HandshakeRequest collections. */
                collections: string[];

                /** HandshakeRequest datasetId. */
                datasetId: string;

                /** HandshakeRequest extraDatasetIds. */
                extraDatasetIds: string[];

                /** HandshakeRequest protocolVersion. */
                protocolVersion: number;

                /** HandshakeRequest publicKey. */
                publicKey: Uint8Array;

                /** HandshakeRequest pushOnly. */
                pushOnly: boolean;

                /** HandshakeRequest noticeCredits. */
                noticeCredits: number;

                /**
                 * Encodes the specified HandshakeRequest message. Does not implicitly {@link sluice.sync.v1.HandshakeRequest.verify|verify} messages.
                 * @param message HandshakeRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.HandshakeRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a HandshakeRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.HandshakeRequest & sluice.sync.v1.HandshakeRequest.$Shape} HandshakeRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.HandshakeRequest & sluice.sync.v1.HandshakeRequest.$Shape;
            }

            namespace HandshakeRequest {

                /** Properties of a HandshakeRequest. */
                interface $Properties {

                    /** HandshakeRequest nodeId */
                    nodeId?: (string|null);

                    /** HandshakeRequest authToken */
                    authToken?: (string|null);

                    /** HandshakeRequest compression */
                    compression?: (string[]|null);

                    /** HandshakeRequest collections */
                    collections?: (string[]|null);

                    /** HandshakeRequest datasetId */
                    datasetId?: (string|null);

                    /** HandshakeRequest extraDatasetIds */
                    extraDatasetIds?: (string[]|null);

                    /** HandshakeRequest protocolVersion */
                    protocolVersion?: (number|null);

                    /** HandshakeRequest publicKey */
                    publicKey?: (Uint8Array|null);

                    /** HandshakeRequest pushOnly */
                    pushOnly?: (boolean|null);

                    /** HandshakeRequest noticeCredits */
                    noticeCredits?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a HandshakeRequest. */
                type $Shape = sluice.sync.v1.HandshakeRequest.$Properties;
            }

            /**
             * Properties of a HandshakeResponse.
             * @deprecated Use sluice.sync.v1.HandshakeResponse.$Properties instead.
             */
            interface IHandshakeResponse extends sluice.sync.v1.HandshakeResponse.$Properties {
            }

            /** Represents a HandshakeResponse. */
            class HandshakeResponse {

                /**
                 * Constructs a new HandshakeResponse.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.HandshakeResponse.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** HandshakeResponse nodeId. */
                nodeId: string;

                /** HandshakeResponse accepted. */
                accepted: boolean;

                /** HandshakeResponse compression. */
                compression: string;

                /** HandshakeResponse collections. */
                collections: string[];

                /** HandshakeResponse datasetId. */
                datasetId: string;

                /** HandshakeResponse grantedDatasetIds. */
                grantedDatasetIds: string[];

                /** HandshakeResponse reason. */
                reason: string;

                /** HandshakeResponse protocolVersion. */
                protocolVersion: number;

                /** HandshakeResponse maxFrameBytes. */
                maxFrameBytes: number;

                /** HandshakeResponse takesNoticeCredit. */
                takesNoticeCredit: boolean;

                /** HandshakeResponse readOnlyDatasetIds. */
                readOnlyDatasetIds: string[];

                /**
                 * Encodes the specified HandshakeResponse message. Does not implicitly {@link sluice.sync.v1.HandshakeResponse.verify|verify} messages.
                 * @param message HandshakeResponse message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.HandshakeResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a HandshakeResponse message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.HandshakeResponse & sluice.sync.v1.HandshakeResponse.$Shape} HandshakeResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.HandshakeResponse & sluice.sync.v1.HandshakeResponse.$Shape;
            }

            namespace HandshakeResponse {

                /** Properties of a HandshakeResponse. */
                interface $Properties {

                    /** HandshakeResponse nodeId */
                    nodeId?: (string|null);

                    /** HandshakeResponse accepted */
                    accepted?: (boolean|null);

                    /** HandshakeResponse compression */
                    compression?: (string|null);

                    /** HandshakeResponse collections */
                    collections?: (string[]|null);

                    /** HandshakeResponse datasetId */
                    datasetId?: (string|null);

                    /** HandshakeResponse grantedDatasetIds */
                    grantedDatasetIds?: (string[]|null);

                    /** HandshakeResponse reason */
                    reason?: (string|null);

                    /** HandshakeResponse protocolVersion */
                    protocolVersion?: (number|null);

                    /** HandshakeResponse maxFrameBytes */
                    maxFrameBytes?: (number|null);

                    /** HandshakeResponse takesNoticeCredit */
                    takesNoticeCredit?: (boolean|null);

                    /** HandshakeResponse readOnlyDatasetIds */
                    readOnlyDatasetIds?: (string[]|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a HandshakeResponse. */
                type $Shape = sluice.sync.v1.HandshakeResponse.$Properties;
            }

            /**
             * Properties of a VectorClockRequest.
             * @deprecated Use sluice.sync.v1.VectorClockRequest.$Properties instead.
             */
            interface IVectorClockRequest extends sluice.sync.v1.VectorClockRequest.$Properties {
            }

            /** Represents a VectorClockRequest. */
            class VectorClockRequest {

                /**
                 * Constructs a new VectorClockRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.VectorClockRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** VectorClockRequest datasetId. */
                datasetId: string;

                /**
                 * Encodes the specified VectorClockRequest message. Does not implicitly {@link sluice.sync.v1.VectorClockRequest.verify|verify} messages.
                 * @param message VectorClockRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.VectorClockRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a VectorClockRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.VectorClockRequest & sluice.sync.v1.VectorClockRequest.$Shape} VectorClockRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.VectorClockRequest & sluice.sync.v1.VectorClockRequest.$Shape;
            }

            namespace VectorClockRequest {

                /** Properties of a VectorClockRequest. */
                interface $Properties {

                    /** VectorClockRequest datasetId */
                    datasetId?: (string|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a VectorClockRequest. */
                type $Shape = sluice.sync.v1.VectorClockRequest.$Properties;
            }

            /**
             * Properties of a VectorClockResponse.
             * @deprecated Use sluice.sync.v1.VectorClockResponse.$Properties instead.
             */
            interface IVectorClockResponse extends sluice.sync.v1.VectorClockResponse.$Properties {
            }

            /** Represents a VectorClockResponse. */
            class VectorClockResponse {

                /**
                 * Constructs a new VectorClockResponse.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.VectorClockResponse.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** VectorClockResponse datasetId. */
                datasetId: string;

                /** VectorClockResponse heads. */
                heads: sluice.sync.v1.AuthorHead.$Properties[];

                /** VectorClockResponse boundaries. */
                boundaries: sluice.sync.v1.AuthorHead.$Properties[];

                /**
                 * Encodes the specified VectorClockResponse message. Does not implicitly {@link sluice.sync.v1.VectorClockResponse.verify|verify} messages.
                 * @param message VectorClockResponse message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.VectorClockResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a VectorClockResponse message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.VectorClockResponse & sluice.sync.v1.VectorClockResponse.$Shape} VectorClockResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.VectorClockResponse & sluice.sync.v1.VectorClockResponse.$Shape;
            }

            namespace VectorClockResponse {

                /** Properties of a VectorClockResponse. */
                interface $Properties {

                    /** VectorClockResponse datasetId */
                    datasetId?: (string|null);

                    /** VectorClockResponse heads */
                    heads?: (sluice.sync.v1.AuthorHead.$Properties[]|null);

                    /** VectorClockResponse boundaries */
                    boundaries?: (sluice.sync.v1.AuthorHead.$Properties[]|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a VectorClockResponse. */
                type $Shape = sluice.sync.v1.VectorClockResponse.$Properties;
            }

            /**
             * Properties of a PullChangesRequest.
             * @deprecated Use sluice.sync.v1.PullChangesRequest.$Properties instead.
             */
            interface IPullChangesRequest extends sluice.sync.v1.PullChangesRequest.$Properties {
            }

            /** Represents a PullChangesRequest. */
            class PullChangesRequest {

                /**
                 * Constructs a new PullChangesRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.PullChangesRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** PullChangesRequest datasetId. */
                datasetId: string;

                /** PullChangesRequest author. */
                author: string;

                /** PullChangesRequest sinceWall. */
                sinceWall: number;

                /** PullChangesRequest sinceLogic. */
                sinceLogic: number;

                /** PullChangesRequest collections. */
                collections: string[];

                /** PullChangesRequest maxEntries. */
                maxEntries: number;

                /** PullChangesRequest maxBytes. */
                maxBytes: number;

                /**
                 * Encodes the specified PullChangesRequest message. Does not implicitly {@link sluice.sync.v1.PullChangesRequest.verify|verify} messages.
                 * @param message PullChangesRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.PullChangesRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a PullChangesRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.PullChangesRequest & sluice.sync.v1.PullChangesRequest.$Shape} PullChangesRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.PullChangesRequest & sluice.sync.v1.PullChangesRequest.$Shape;
            }

            namespace PullChangesRequest {

                /** Properties of a PullChangesRequest. */
                interface $Properties {

                    /** PullChangesRequest datasetId */
                    datasetId?: (string|null);

                    /** PullChangesRequest author */
                    author?: (string|null);

                    /** PullChangesRequest sinceWall */
                    sinceWall?: (number|null);

                    /** PullChangesRequest sinceLogic */
                    sinceLogic?: (number|null);

                    /** PullChangesRequest collections */
                    collections?: (string[]|null);

                    /** PullChangesRequest maxEntries */
                    maxEntries?: (number|null);

                    /** PullChangesRequest maxBytes */
                    maxBytes?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a PullChangesRequest. */
                type $Shape = sluice.sync.v1.PullChangesRequest.$Properties;
            }

            /**
             * Properties of a ChangeSet.
             * @deprecated Use sluice.sync.v1.ChangeSet.$Properties instead.
             */
            interface IChangeSet extends sluice.sync.v1.ChangeSet.$Properties {
            }

            /** Represents a ChangeSet. */
            class ChangeSet {

                /**
                 * Constructs a new ChangeSet.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.ChangeSet.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** ChangeSet datasetId. */
                datasetId: string;

                /** ChangeSet entries. */
                entries: sluice.sync.v1.Entry.$Properties[];

                /** ChangeSet hasMore. */
                hasMore: boolean;

                /** ChangeSet snapshotRequired. */
                snapshotRequired: boolean;

                /**
                 * Encodes the specified ChangeSet message. Does not implicitly {@link sluice.sync.v1.ChangeSet.verify|verify} messages.
                 * @param message ChangeSet message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.ChangeSet.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a ChangeSet message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.ChangeSet & sluice.sync.v1.ChangeSet.$Shape} ChangeSet
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.ChangeSet & sluice.sync.v1.ChangeSet.$Shape;
            }

            namespace ChangeSet {

                /** Properties of a ChangeSet. */
                interface $Properties {

                    /** ChangeSet datasetId */
                    datasetId?: (string|null);

                    /** ChangeSet entries */
                    entries?: (sluice.sync.v1.Entry.$Properties[]|null);

                    /** ChangeSet hasMore */
                    hasMore?: (boolean|null);

                    /** ChangeSet snapshotRequired */
                    snapshotRequired?: (boolean|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a ChangeSet. */
                type $Shape = sluice.sync.v1.ChangeSet.$Properties;
            }

            /**
             * Properties of a PushChangesRequest.
             * @deprecated Use sluice.sync.v1.PushChangesRequest.$Properties instead.
             */
            interface IPushChangesRequest extends sluice.sync.v1.PushChangesRequest.$Properties {
            }

            /** Represents a PushChangesRequest. */
            class PushChangesRequest {

                /**
                 * Constructs a new PushChangesRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.PushChangesRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** PushChangesRequest datasetId. */
                datasetId: string;

                /** PushChangesRequest entries. */
                entries: sluice.sync.v1.Entry.$Properties[];

                /**
                 * Encodes the specified PushChangesRequest message. Does not implicitly {@link sluice.sync.v1.PushChangesRequest.verify|verify} messages.
                 * @param message PushChangesRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.PushChangesRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a PushChangesRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.PushChangesRequest & sluice.sync.v1.PushChangesRequest.$Shape} PushChangesRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.PushChangesRequest & sluice.sync.v1.PushChangesRequest.$Shape;
            }

            namespace PushChangesRequest {

                /** Properties of a PushChangesRequest. */
                interface $Properties {

                    /** PushChangesRequest datasetId */
                    datasetId?: (string|null);

                    /** PushChangesRequest entries */
                    entries?: (sluice.sync.v1.Entry.$Properties[]|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a PushChangesRequest. */
                type $Shape = sluice.sync.v1.PushChangesRequest.$Properties;
            }

            /**
             * Properties of an Ack.
             * @deprecated Use sluice.sync.v1.Ack.$Properties instead.
             */
            interface IAck extends sluice.sync.v1.Ack.$Properties {
            }

            /** Represents an Ack. */
            class Ack {

                /**
                 * Constructs a new Ack.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.Ack.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** Ack datasetId. */
                datasetId: string;

                /** Ack success. */
                success: boolean;

                /** Ack snapshotRequired. */
                snapshotRequired: boolean;

                /** Ack applied. */
                applied: sluice.sync.v1.AuthorHead.$Properties[];

                /**
                 * Encodes the specified Ack message. Does not implicitly {@link sluice.sync.v1.Ack.verify|verify} messages.
                 * @param message Ack message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.Ack.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes an Ack message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.Ack & sluice.sync.v1.Ack.$Shape} Ack
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.Ack & sluice.sync.v1.Ack.$Shape;
            }

            namespace Ack {

                /** Properties of an Ack. */
                interface $Properties {

                    /** Ack datasetId */
                    datasetId?: (string|null);

                    /** Ack success */
                    success?: (boolean|null);

                    /** Ack snapshotRequired */
                    snapshotRequired?: (boolean|null);

                    /** Ack applied */
                    applied?: (sluice.sync.v1.AuthorHead.$Properties[]|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of an Ack. */
                type $Shape = sluice.sync.v1.Ack.$Properties;
            }

            /**
             * Properties of a ChainRangeRequest.
             * @deprecated Use sluice.sync.v1.ChainRangeRequest.$Properties instead.
             */
            interface IChainRangeRequest extends sluice.sync.v1.ChainRangeRequest.$Properties {
            }

            /** Represents a ChainRangeRequest. */
            class ChainRangeRequest {

                /**
                 * Constructs a new ChainRangeRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.ChainRangeRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** ChainRangeRequest datasetId. */
                datasetId: string;

                /** ChainRangeRequest startHash. */
                startHash: Uint8Array;

                /** ChainRangeRequest endHash. */
                endHash: Uint8Array;

                /**
                 * Encodes the specified ChainRangeRequest message. Does not implicitly {@link sluice.sync.v1.ChainRangeRequest.verify|verify} messages.
                 * @param message ChainRangeRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.ChainRangeRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a ChainRangeRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.ChainRangeRequest & sluice.sync.v1.ChainRangeRequest.$Shape} ChainRangeRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.ChainRangeRequest & sluice.sync.v1.ChainRangeRequest.$Shape;
            }

            namespace ChainRangeRequest {

                /** Properties of a ChainRangeRequest. */
                interface $Properties {

                    /** ChainRangeRequest datasetId */
                    datasetId?: (string|null);

                    /** ChainRangeRequest startHash */
                    startHash?: (Uint8Array|null);

                    /** ChainRangeRequest endHash */
                    endHash?: (Uint8Array|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a ChainRangeRequest. */
                type $Shape = sluice.sync.v1.ChainRangeRequest.$Properties;
            }

            /**
             * Properties of a ChainRangeResponse.
             * @deprecated Use sluice.sync.v1.ChainRangeResponse.$Properties instead.
             */
            interface IChainRangeResponse extends sluice.sync.v1.ChainRangeResponse.$Properties {
            }

            /** Represents a ChainRangeResponse. */
            class ChainRangeResponse {

                /**
                 * Constructs a new ChainRangeResponse.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.ChainRangeResponse.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** ChainRangeResponse datasetId. */
                datasetId: string;

                /** ChainRangeResponse entries. */
                entries: sluice.sync.v1.Entry.$Properties[];

                /** ChainRangeResponse snapshotRequired. */
                snapshotRequired: boolean;

                /**
                 * Encodes the specified ChainRangeResponse message. Does not implicitly {@link sluice.sync.v1.ChainRangeResponse.verify|verify} messages.
                 * @param message ChainRangeResponse message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.ChainRangeResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a ChainRangeResponse message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.ChainRangeResponse & sluice.sync.v1.ChainRangeResponse.$Shape} ChainRangeResponse
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.ChainRangeResponse & sluice.sync.v1.ChainRangeResponse.$Shape;
            }

            namespace ChainRangeResponse {

                /** Properties of a ChainRangeResponse. */
                interface $Properties {

                    /** ChainRangeResponse datasetId */
                    datasetId?: (string|null);

                    /** ChainRangeResponse entries */
                    entries?: (sluice.sync.v1.Entry.$Properties[]|null);

                    /** ChainRangeResponse snapshotRequired */
                    snapshotRequired?: (boolean|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a ChainRangeResponse. */
                type $Shape = sluice.sync.v1.ChainRangeResponse.$Properties;
            }

            /**
             * Properties of a SnapshotRequest.
             * @deprecated Use sluice.sync.v1.SnapshotRequest.$Properties instead.
             */
            interface ISnapshotRequest extends sluice.sync.v1.SnapshotRequest.$Properties {
            }

            /** Represents a SnapshotRequest. */
            class SnapshotRequest {

                /**
                 * Constructs a new SnapshotRequest.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.SnapshotRequest.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** SnapshotRequest datasetId. */
                datasetId: string;

                /**
                 * Encodes the specified SnapshotRequest message. Does not implicitly {@link sluice.sync.v1.SnapshotRequest.verify|verify} messages.
                 * @param message SnapshotRequest message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.SnapshotRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a SnapshotRequest message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.SnapshotRequest & sluice.sync.v1.SnapshotRequest.$Shape} SnapshotRequest
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.SnapshotRequest & sluice.sync.v1.SnapshotRequest.$Shape;
            }

            namespace SnapshotRequest {

                /** Properties of a SnapshotRequest. */
                interface $Properties {

                    /** SnapshotRequest datasetId */
                    datasetId?: (string|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a SnapshotRequest. */
                type $Shape = sluice.sync.v1.SnapshotRequest.$Properties;
            }

            /**
             * Properties of a SnapshotChunk.
             * @deprecated Use sluice.sync.v1.SnapshotChunk.$Properties instead.
             */
            interface ISnapshotChunk extends sluice.sync.v1.SnapshotChunk.$Properties {
            }

            /** Represents a SnapshotChunk. */
            class SnapshotChunk {

                /**
                 * Constructs a new SnapshotChunk.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.SnapshotChunk.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** SnapshotChunk datasetId. */
                datasetId: string;

                /** SnapshotChunk data. */
                data: Uint8Array;

                /** SnapshotChunk isLast. */
                isLast: boolean;

                /** SnapshotChunk index. */
                index: number;

                /**
                 * Encodes the specified SnapshotChunk message. Does not implicitly {@link sluice.sync.v1.SnapshotChunk.verify|verify} messages.
                 * @param message SnapshotChunk message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.SnapshotChunk.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a SnapshotChunk message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.SnapshotChunk & sluice.sync.v1.SnapshotChunk.$Shape} SnapshotChunk
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.SnapshotChunk & sluice.sync.v1.SnapshotChunk.$Shape;
            }

            namespace SnapshotChunk {

                /** Properties of a SnapshotChunk. */
                interface $Properties {

                    /** SnapshotChunk datasetId */
                    datasetId?: (string|null);

                    /** SnapshotChunk data */
                    data?: (Uint8Array|null);

                    /** SnapshotChunk isLast */
                    isLast?: (boolean|null);

                    /** SnapshotChunk index */
                    index?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a SnapshotChunk. */
                type $Shape = sluice.sync.v1.SnapshotChunk.$Properties;
            }

            /**
             * Properties of an Error.
             * @deprecated Use sluice.sync.v1.Error.$Properties instead.
             */
            interface IError extends sluice.sync.v1.Error.$Properties {
            }

            /** Represents an Error. */
            class Error {

                /**
                 * Constructs a new Error.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.Error.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** Error code. */
                code: string;

                /** Error message. */
                message: string;

                /** Error datasetId. */
                datasetId: string;

                /**
                 * Encodes the specified Error message. Does not implicitly {@link sluice.sync.v1.Error.verify|verify} messages.
                 * @param message Error message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.Error.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes an Error message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.Error & sluice.sync.v1.Error.$Shape} Error
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.Error & sluice.sync.v1.Error.$Shape;
            }

            namespace Error {

                /** Properties of an Error. */
                interface $Properties {

                    /** Error code */
                    code?: (string|null);

                    /** Error message */
                    message?: (string|null);

                    /** Error datasetId */
                    datasetId?: (string|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of an Error. */
                type $Shape = sluice.sync.v1.Error.$Properties;
            }

            /**
             * Properties of a Ping.
             * @deprecated Use sluice.sync.v1.Ping.$Properties instead.
             */
            interface IPing extends sluice.sync.v1.Ping.$Properties {
            }

            /** Represents a Ping. */
            class Ping {

                /**
                 * Constructs a new Ping.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.Ping.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** Ping nonce. */
                nonce: number;

                /**
                 * Encodes the specified Ping message. Does not implicitly {@link sluice.sync.v1.Ping.verify|verify} messages.
                 * @param message Ping message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.Ping.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a Ping message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.Ping & sluice.sync.v1.Ping.$Shape} Ping
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.Ping & sluice.sync.v1.Ping.$Shape;
            }

            namespace Ping {

                /** Properties of a Ping. */
                interface $Properties {

                    /** Ping nonce */
                    nonce?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a Ping. */
                type $Shape = sluice.sync.v1.Ping.$Properties;
            }

            /**
             * Properties of a Pong.
             * @deprecated Use sluice.sync.v1.Pong.$Properties instead.
             */
            interface IPong extends sluice.sync.v1.Pong.$Properties {
            }

            /** Represents a Pong. */
            class Pong {

                /**
                 * Constructs a new Pong.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.Pong.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** Pong nonce. */
                nonce: number;

                /**
                 * Encodes the specified Pong message. Does not implicitly {@link sluice.sync.v1.Pong.verify|verify} messages.
                 * @param message Pong message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.Pong.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a Pong message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.Pong & sluice.sync.v1.Pong.$Shape} Pong
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.Pong & sluice.sync.v1.Pong.$Shape;
            }

            namespace Pong {

                /** Properties of a Pong. */
                interface $Properties {

                    /** Pong nonce */
                    nonce?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a Pong. */
                type $Shape = sluice.sync.v1.Pong.$Properties;
            }

            /**
             * Properties of a HeadsAdvanced.
             * @deprecated Use sluice.sync.v1.HeadsAdvanced.$Properties instead.
             */
            interface IHeadsAdvanced extends sluice.sync.v1.HeadsAdvanced.$Properties {
            }

            /** Represents a HeadsAdvanced. */
            class HeadsAdvanced {

                /**
                 * Constructs a new HeadsAdvanced.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.HeadsAdvanced.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** HeadsAdvanced datasetId. */
                datasetId: string;

                /** HeadsAdvanced heads. */
                heads: sluice.sync.v1.AuthorHead.$Properties[];

                /** HeadsAdvanced entries. */
                entries: sluice.sync.v1.Entry.$Properties[];

                /**
                 * Encodes the specified HeadsAdvanced message. Does not implicitly {@link sluice.sync.v1.HeadsAdvanced.verify|verify} messages.
                 * @param message HeadsAdvanced message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.HeadsAdvanced.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a HeadsAdvanced message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.HeadsAdvanced & sluice.sync.v1.HeadsAdvanced.$Shape} HeadsAdvanced
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.HeadsAdvanced & sluice.sync.v1.HeadsAdvanced.$Shape;
            }

            namespace HeadsAdvanced {

                /** Properties of a HeadsAdvanced. */
                interface $Properties {

                    /** HeadsAdvanced datasetId */
                    datasetId?: (string|null);

                    /** HeadsAdvanced heads */
                    heads?: (sluice.sync.v1.AuthorHead.$Properties[]|null);

                    /** HeadsAdvanced entries */
                    entries?: (sluice.sync.v1.Entry.$Properties[]|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a HeadsAdvanced. */
                type $Shape = sluice.sync.v1.HeadsAdvanced.$Properties;
            }

            /**
             * Properties of a NoticeCredit.
             * @deprecated Use sluice.sync.v1.NoticeCredit.$Properties instead.
             */
            interface INoticeCredit extends sluice.sync.v1.NoticeCredit.$Properties {
            }

            /** Represents a NoticeCredit. */
            class NoticeCredit {

                /**
                 * Constructs a new NoticeCredit.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: sluice.sync.v1.NoticeCredit.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** NoticeCredit datasetId. */
                datasetId: string;

                /** NoticeCredit notices. */
                notices: number;

                /**
                 * Encodes the specified NoticeCredit message. Does not implicitly {@link sluice.sync.v1.NoticeCredit.verify|verify} messages.
                 * @param message NoticeCredit message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: sluice.sync.v1.NoticeCredit.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a NoticeCredit message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {sluice.sync.v1.NoticeCredit & sluice.sync.v1.NoticeCredit.$Shape} NoticeCredit
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): sluice.sync.v1.NoticeCredit & sluice.sync.v1.NoticeCredit.$Shape;
            }

            namespace NoticeCredit {

                /** Properties of a NoticeCredit. */
                interface $Properties {

                    /** NoticeCredit datasetId */
                    datasetId?: (string|null);

                    /** NoticeCredit notices */
                    notices?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a NoticeCredit. */
                type $Shape = sluice.sync.v1.NoticeCredit.$Properties;
            }
        }
    }
}
