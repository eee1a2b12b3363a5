extension ServiceConfig {
    /// Settings of the operations features: expiry, idle guard, alarms and autoscaling.
    static let operationsSettings: [Setting] = [
        Setting(key: "ttl", placeholder: "DURATION", help: "Delete the whole stack this long after deploy (e.g. 4h, 90m, 2d); extend with `slmstack extend`",
                terraformType: "string", read: { $0.ttlMinutes.map { DurationText.format(minutes: $0) } ?? "" }) { config, text throws(SettingError) in
            if ["", "off", "none"].contains(text.lowercased()) {
                config.ttlMinutes = nil
                return
            }
            // Creating the stack takes 10-20 minutes: a shorter TTL would fire while it is still being created.
            guard let minutes = DurationText.minutes(text), (ServiceConfig.minimumTTLMinutes...(366 * 1440)).contains(minutes) else {
                throw SettingError(key: "ttl", message: "expected a duration from 30m to 366d such as 4h, 90m or 1d12h (creating the stack takes up to 20 minutes), got '\(text)'")
            }
            config.ttlMinutes = minutes
        },
        .whole("idle-hours", placeholder: "HOURS", help: "Alarm after this many hours without an invocation (1-24; 0 turns the idle alarm off)", range: 0...24,
                read: { String($0.idleHours) }) { $0.idleHours = $1 },
        Setting(key: "idle-pause", placeholder: "on|off", help: "When the idle alarm fires, also pause the stack (removes the endpoint and the NAT gateway)",
                terraformType: "bool", read: { String($0.idlePause) }) { config, text throws(SettingError) in
            config.idlePause = try bool("idle-pause", text)
        },
        Setting(key: "alarm-email", placeholder: "ADDRESS", help: "E-mail the alarm topic's notifications here (confirm the subscription mail)",
                terraformType: "string", read: { $0.alarmEmail ?? "" }) { config, text throws(SettingError) in
            if text.isEmpty {
                config.alarmEmail = nil
                return
            }
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !text.contains(" "), text.count <= 254 else {
                throw SettingError(key: "alarm-email", message: "'\(text)' is not an e-mail address: expected name@example.com")
            }
            config.alarmEmail = text
        },
        Setting(key: "alarms", placeholder: "on|off", help: "Alarms on endpoint 5XX and latency, Lambda errors and throttles, API 5XX, into the alarm topic",
                terraformType: "bool", read: { String($0.alarms) }) { config, text throws(SettingError) in
            config.alarms = try bool("alarms", text)
        },
        .whole("min-instances", placeholder: "N", help: "Autoscaling minimum (default: instance-count); needs max-instances", range: 1...100,
                read: { $0.minInstances.map(String.init) ?? "" }) { $0.minInstances = $1 },
        .whole("max-instances", placeholder: "N", help: "Autoscaling maximum: turns on target tracking on invocations per instance", range: 1...100,
                read: { $0.maxInstances.map(String.init) ?? "" }) { $0.maxInstances = $1 },
        .whole("scaling-target", placeholder: "N", help: "Autoscaling target: invocations per instance per minute", range: 1...100_000,
                read: { String($0.scalingTarget) }) { $0.scalingTarget = $1 },
    ]
}
