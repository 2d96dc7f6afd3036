import Glibc

/// The baud rates knead accepts, as the termios speeds that set them.
public enum BaudRate {
    /// The termios speed for `baud`, or nil where Linux has none (termios has no
    /// arbitrary rates; a profile asking for one is told so rather than rounded).
    public static func termiosSpeed(_ baud: Int) -> speed_t? {
        switch baud {
        case 300: return speed_t(B300)
        case 600: return speed_t(B600)
        case 1200: return speed_t(B1200)
        case 2400: return speed_t(B2400)
        case 4800: return speed_t(B4800)
        case 9600: return speed_t(B9600)
        case 19200: return speed_t(B19200)
        case 38400: return speed_t(B38400)
        case 57600: return speed_t(B57600)
        case 115_200: return speed_t(B115200)
        case 230_400: return speed_t(B230400)
        case 460_800: return speed_t(B460800)
        case 500_000: return speed_t(B500000)
        case 576_000: return speed_t(B576000)
        case 921_600: return speed_t(B921600)
        case 1_000_000: return speed_t(B1000000)
        case 1_152_000: return speed_t(B1152000)
        case 1_500_000: return speed_t(B1500000)
        case 2_000_000: return speed_t(B2000000)
        case 2_500_000: return speed_t(B2500000)
        case 3_000_000: return speed_t(B3000000)
        case 3_500_000: return speed_t(B3500000)
        case 4_000_000: return speed_t(B4000000)
        default: return nil
        }
    }
}
