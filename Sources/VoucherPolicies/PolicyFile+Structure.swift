import CYaml
import VoucherDomain
import Yams

// MARK: - The YAML's structure: mappings with known keys, lists, single values, each refused where
// it is not what the policy format expects, at its line

extension PolicyReader {
    mutating func mapping(
        _ node: Node,
        at path: String,
        allowed: Set<String>
    ) throws(PolicyError) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            throw PolicyError(
                key: path.isEmpty ? "(file)" : path,
                reason: "expected keys and values here",
                zh: "此处应为键和值",
                line: node.mark?.line
            )
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                throw PolicyError(
                    key: keyPath,
                    reason: "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))",
                    zh: "未知的键；应为以下之一：\(allowed.sorted().joined(separator: "、"))",
                    line: keyNode.mark?.line
                )
            }
            guard result[key] == nil else {
                throw PolicyError(
                    key: keyPath,
                    reason: "the key appears twice",
                    zh: "该键出现了两次",
                    line: keyNode.mark?.line
                )
            }
            result[key] = value
            if let line = keyNode.mark?.line { lines[keyPath] = line }
        }
        return result
    }

    /// The line (from 1) of the first anchor or alias in `yaml`, from LibYAML's events (which
    /// expand nothing); nil when there is none, or when the text is not YAML (composing says why).
    static func firstAnchorOrAlias(in yaml: String) -> Int? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(yaml.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer -> Int? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_ALIAS_EVENT: return line
                case YAML_SCALAR_EVENT where event.data.scalar.anchor != nil: return line
                case YAML_SEQUENCE_START_EVENT where event.data.sequence_start.anchor != nil: return line
                case YAML_MAPPING_START_EVENT where event.data.mapping_start.anchor != nil: return line
                case YAML_STREAM_END_EVENT: return nil
                default: continue
                }
            }
            return nil
        }
    }

    mutating func sequence(_ node: Node, at path: String) throws(PolicyError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw PolicyError(key: path, reason: "expected a list here", zh: "此处应为列表", line: node.mark?.line)
        }
        guard sequence.count <= Self.longestList else {
            throw PolicyError(
                key: path,
                reason: "is a list of \(sequence.count) items; a list holds at most \(Self.longestList)",
                zh: "列表有 \(sequence.count) 项；列表最多 \(Self.longestList) 项",
                line: node.mark?.line
            )
        }
        for (index, item) in sequence.enumerated() {
            if let line = item.mark?.line { lines["\(path)[\(index)]"] = line }
        }
        return Array(sequence)
    }

    func required(_ map: [String: Node], _ key: String, at path: String) throws(PolicyError) -> Node {
        guard let node = map[key] else {
            throw PolicyError(
                key: path.isEmpty ? key : "\(path).\(key)",
                reason: "missing; this key is required",
                zh: "缺少此键；必须填写"
            )
        }
        return node
    }

    func text(_ node: Node, at path: String) throws(PolicyError) -> String {
        guard case .scalar(let scalar) = node else {
            throw PolicyError(key: path, reason: "expected a single value here", zh: "此处应为单个值", line: node.mark?.line)
        }
        return scalar.string
    }
}
