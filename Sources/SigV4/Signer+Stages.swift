import Foundation

// One signature, stage by stage: payload hash, canonical headers and signed headers, credential scope,
// canonical query (with the presigning parameters), then stage 1 (canonical request), stage 2 (string
// to sign), stage 3 (signature) and the Authorization header or presigned URL.
extension SigV4Signer {
    /// Runs the stages for `sign`: every piece is written into `buffer` (sized by `sign`), with the
    /// headers and query parameters indexed by `slots`, then copied out into the result's one buffer.
    // swiftlint:disable:next function_body_length
    func signCore(_ request: SigV4Request, urlBytes: UnsafeBufferPointer<UInt8>, region: String, service: String,
                  time: SigningTime, expires: Int, isQuery: Bool, options: SigV4Options, key: HMACKey,
                  token: String?, buffer: UnsafeMutableBufferPointer<UInt8>,
                  slots: UnsafeMutableBufferPointer<Slot>) throws -> SigV4Result {
        var w = Writer(buffer)
        let url = try URLSplit(urlBytes, original: request.url)
        let worker = try DigestWorker()
        let signToken = token != nil && !options.omitSessionToken
        let replacesContentSHA256 = !isQuery && (options.s3 || options.unsignedPayload)
        let addsContentSHA256 = !isQuery && !replacesContentSHA256 && options.addContentSHA256Header

        // Payload hash.
        var payload: Range<Int>
        let payloadStart = w.count
        if options.unsignedPayload || (isQuery && options.s3) {
            w.append(Self.unsignedPayload)
        } else if let given = options.precomputedPayloadHash {
            w.append(given)
        } else if request.body.isEmpty {
            w.append(Self.emptyPayloadHash)
        } else {
            var digest = Digest32()
            try request.body.withUnsafeBytes { body in
                try digest.withPointer { try worker.sha256(body, into: $0) }
            }
            digest.withBuffer { w.appendHex($0) }
        }
        payload = payloadStart..<w.count

        // Header slots: lower-case name and trim-all value in the scratch buffer.
        var slotCount = 0
        var hasHost = false
        for (order, header) in request.headers.enumerated() {
            let nameStart = w.count
            w.appendLowercased(header.name)
            let kind = HeaderKind(lowercased: w.slice(nameStart..<w.count), alreadyLower: true)
            switch kind {
            case .neverSigned, .authorization: w.count = nameStart; continue
            case .amzDate where !isQuery: w.count = nameStart; continue
            case .securityToken where !isQuery && signToken: w.count = nameStart; continue
            case .contentSHA256 where replacesContentSHA256: w.count = nameStart; continue
            case .host: hasHost = true
            default: break
            }
            let nameEnd = w.count
            w.appendTrimmed(header.value)
            slots[slotCount] = Slot(nameStart: nameStart, nameEnd: nameEnd, valueEnd: w.count, order: order)
            slotCount += 1
            if kind == .contentSHA256 && payload.lowerBound == payloadStart && payloadStart < nameStart {
                // The caller's x-amz-content-sha256 is the payload hash (as botocore does).
                let start = w.count
                w.append(header.value)
                payload = start..<w.count
            }
        }
        func addSlot(_ name: StaticString, order: Int, value: (inout Writer) -> Void) {
            let nameStart = w.count
            w.append(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            let nameEnd = w.count
            value(&w)
            slots[slotCount] = Slot(nameStart: nameStart, nameEnd: nameEnd, valueEnd: w.count, order: order)
            slotCount += 1
        }
        let amzDate = time.amzDate
        let extra = request.headers.count
        if !isQuery {
            addSlot("x-amz-date", order: extra) { $0.append(amzDate) }
            if signToken, let token { addSlot("x-amz-security-token", order: extra + 1) { $0.appendTrimmed(token) } }
            if replacesContentSHA256 || addsContentSHA256 {
                let hash = payload
                addSlot("x-amz-content-sha256", order: extra + 2) { $0.copyWithin(hash) }
            }
        }
        if !hasHost { addSlot("host", order: -1) { url.writeHost(urlBytes, into: &$0) } }

        // Sort by name, keeping the order of repeated names.
        let base = w.base
        func precedes(_ a: Slot, _ b: Slot) -> Bool {
            let order = compareBytes(base + a.nameStart, a.nameEnd - a.nameStart, base + b.nameStart, b.nameEnd - b.nameStart)
            return order == 0 ? a.order < b.order : order < 0
        }
        insertionSort(slots, count: slotCount, by: precedes)

        // Signed headers list (needed by the query parameters).
        let signedStart = w.count
        var index = 0
        while index < slotCount {
            let slot = slots[index]
            if signedStart != w.count { w.append(0x3b) }
            w.copyWithin(slot.nameStart..<slot.nameEnd)
            index += 1
            while index < slotCount, sameName(base, slots[index], slot) { index += 1 }
        }
        let signedHeaders = signedStart..<w.count

        // Scope.
        let scopeStart = w.count
        w.append(amzDate)
        w.count = scopeStart + 8 // yyyymmdd
        w.append(0x2f); w.append(region); w.append(0x2f); w.append(service); w.append("/aws4_request")
        let scope = scopeStart..<w.count

        // Query pairs: decoded and re-encoded names and values, then the presign parameters.
        let pairsBase = slotCount
        var pairCount = 0
        func addPair(_ fill: (inout Writer) -> Int) {
            let nameStart = w.count
            let nameEnd = fill(&w)
            slots[pairsBase + pairCount] = Slot(nameStart: nameStart, nameEnd: nameEnd, valueEnd: w.count, order: 0)
            pairCount += 1
        }
        var position = url.query.lowerBound
        while position < url.query.upperBound {
            var end = position
            while end < url.query.upperBound, urlBytes[end] != 0x26 { end += 1 }
            if end > position {
                var equals = position
                while equals < end, urlBytes[equals] != 0x3d { equals += 1 }
                let part = position
                addPair { w in
                    w.appendDecodedEncoded(UnsafeBufferPointer(rebasing: urlBytes[part..<equals]))
                    let nameEnd = w.count
                    if equals < end { w.appendDecodedEncoded(UnsafeBufferPointer(rebasing: urlBytes[(equals + 1)..<end])) }
                    return nameEnd
                }
            }
            position = end + 1
        }
        if isQuery {
            let access = credentials.accessKeyID
            addPair { w in w.append("X-Amz-Algorithm"); let e = w.count; w.append("AWS4-HMAC-SHA256"); return e }
            addPair { w in
                w.append("X-Amz-Credential"); let e = w.count
                w.appendEncoded(access); w.append("%2F")
                let scopeBytes = scope
                w.appendEncodedWithin(scopeBytes)
                return e
            }
            addPair { w in w.append("X-Amz-Date"); let e = w.count; w.append(amzDate); return e }
            addPair { w in w.append("X-Amz-Expires"); let e = w.count; w.appendDecimal(expires); return e }
            addPair { w in w.append("X-Amz-SignedHeaders"); let e = w.count; w.appendEncodedWithin(signedHeaders); return e }
            if signToken, let token {
                addPair { w in w.append("X-Amz-Security-Token"); let e = w.count; w.appendEncoded(token); return e }
            }
        }
        let pairs = UnsafeMutableBufferPointer(rebasing: slots[pairsBase..<(pairsBase + pairCount)])
        if pairCount > 1 {
            insertionSort(pairs, count: pairCount) { a, b in
                let byName = compareBytes(base + a.nameStart, a.nameEnd - a.nameStart, base + b.nameStart, b.nameEnd - b.nameStart)
                if byName != 0 { return byName < 0 }
                return compareBytes(base + a.nameEnd, a.valueEnd - a.nameEnd, base + b.nameEnd, b.valueEnd - b.nameEnd) < 0
            }
        }

        // Stage 1: canonical request.
        let canonicalStart = w.count
        w.append(request.method)
        w.append(0x0a)
        w.appendCanonicalURI(UnsafeBufferPointer(rebasing: urlBytes[url.path]), s3: options.s3, normalize: options.normalizePath)
        w.append(0x0a)
        let queryStart = w.count
        for index in 0..<pairCount {
            let pair = pairs[index]
            if index > 0 { w.append(0x26) }
            w.copyWithin(pair.nameStart..<pair.nameEnd)
            w.append(0x3d)
            w.copyWithin(pair.nameEnd..<pair.valueEnd)
        }
        let canonicalQuery = queryStart..<w.count
        w.append(0x0a)
        index = 0
        while index < slotCount {
            let slot = slots[index]
            w.copyWithin(slot.nameStart..<slot.nameEnd)
            w.append(0x3a)
            w.copyWithin(slot.nameEnd..<slot.valueEnd)
            index += 1
            while index < slotCount, sameName(base, slots[index], slot) {
                w.append(0x2c)
                w.copyWithin(slots[index].nameEnd..<slots[index].valueEnd)
                index += 1
            }
            w.append(0x0a)
        }
        w.append(0x0a)
        w.copyWithin(signedHeaders)
        w.append(0x0a)
        w.copyWithin(payload)
        let canonical = canonicalStart..<w.count

        // Stage 2: string to sign.
        var digest = Digest32()
        try digest.withPointer { out in try worker.sha256(UnsafeRawBufferPointer(w.slice(canonical)), into: out) }
        let stsStart = w.count
        w.append("AWS4-HMAC-SHA256\n")
        w.append(amzDate)
        w.append(0x0a)
        w.copyWithin(scope)
        w.append(0x0a)
        digest.withBuffer { w.appendHex($0) }
        let stringToSign = stsStart..<w.count

        // Stage 3: signature.
        try digest.withPointer { out in try worker.hmac(key, UnsafeRawBufferPointer(w.slice(stringToSign)), into: out) }
        let signatureStart = w.count
        digest.withBuffer { w.appendHex($0) }
        let signature = signatureStart..<w.count

        // The Authorization header or the presigned URL.
        let finalStart = w.count
        if isQuery {
            w.append(UnsafeBufferPointer(rebasing: urlBytes[0..<url.path.upperBound]))
            if url.path.isEmpty { w.append(0x2f) }
            w.append(0x3f)
            w.copyWithin(canonicalQuery)
            w.append("&X-Amz-Signature=")
            w.copyWithin(signature)
            if let token, !signToken {
                w.append("&X-Amz-Security-Token=")
                w.appendEncoded(token)
            }
        } else {
            w.append("AWS4-HMAC-SHA256 Credential=")
            w.append(credentials.accessKeyID)
            w.append(0x2f)
            w.copyWithin(scope)
            w.append(", SignedHeaders=")
            w.copyWithin(signedHeaders)
            w.append(", Signature=")
            w.copyWithin(signature)
        }
        let final = finalStart..<w.count

        // One result buffer: canonical, string to sign, signature, final, signed headers, scope, payload.
        let total = canonical.count + stringToSign.count + signature.count + final.count + signedHeaders.count + scope.count + payload.count
        let pieces = (canonical, stringToSign, signature, final, signedHeaders, scope, payload)
        let storage = [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            withUnsafeBytes(of: pieces) { raw in
                var offset = 0
                for piece in raw.bindMemory(to: Range<Int>.self) where piece.count > 0 {
                    (out.baseAddress! + offset).update(from: base + piece.lowerBound, count: piece.count)
                    offset += piece.count
                }
            }
            initialized = total
        }
        var offset = 0
        func next(_ piece: Range<Int>) -> Range<Int> {
            defer { offset += piece.count }
            return offset..<(offset + piece.count)
        }
        let ranges = (next(canonical), next(stringToSign), next(signature), next(final), next(signedHeaders), next(scope), next(payload))
        return SigV4Result(storage: storage, canonicalRange: ranges.0, stringToSignRange: ranges.1, signatureRange: ranges.2,
                           signedHeadersRange: ranges.4, scopeRange: ranges.5, payloadRange: ranges.6, finalRange: ranges.3,
                           isQuery: isQuery, requestHeaders: request.headers, requestURL: request.url, amzDate: amzDate,
                           addedToken: token, tokenSigned: signToken, replacesContentSHA256: replacesContentSHA256,
                           addsContentSHA256: addsContentSHA256)
    }
}
