package gen

// Fixed vocabularies of the generators. They are part of the output
// format: changing one changes every workload's bytes for a given seed.

type weighted struct {
	text   string
	weight float64
}

// browserUAs is a browser market mix of real user-agent strings.
var browserUAs = []weighted{
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", 24},
	{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36", 18},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1", 16},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36", 7},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15", 5},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67", 6},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", 4},
	{"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36", 4},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.71 Mobile/15E148 Safari/604.1", 3},
	{"Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1", 3},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36", 2},
	{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", 1},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 OPR/109.0.0.0", 1.5},
	{"Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0", 0.5},
	{"Mozilla/5.0 (Windows NT 6.1; Win64; x64; Trident/7.0; rv:11.0) like Gecko", 0.3},
}

// botUAs are crawlers and scripts, announced or not.
var botUAs = []weighted{
	{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 3},
	{"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 2},
	{"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", 1},
	{"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", 1},
	{"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", 1},
	{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/122.0.6261.94 Safari/537.36", 3},
	{"python-requests/2.31.0", 2},
	{"curl/8.5.0", 1},
	{"Go-http-client/1.1", 1},
}

// playerUAs are the video players and apps that send most video-ad
// tracking events (in-app, connected TV), next to browsers.
var playerUAs = []weighted{
	{"ExoPlayerLib/2.19.1", 16},
	{"AppleCoreMedia/1.0.0.21E236 (iPhone; U; CPU OS 17_4_1 like Mac OS X; en_us)", 12},
	{"Roku/DVP-13.0 (13.0.0.4190-46)", 12},
	{"Dalvik/2.1.0 (Linux; U; Android 13; SM-A536B Build/TP1A.220624.014)", 10},
	{"stagefright/1.2 (Linux;Android 12)", 10},
	{"AppleCoreMedia/1.0.0.21L569 (Apple TV; U; CPU OS 17_4 like Mac OS X; en_us)", 4},
	{"AppleCoreMedia/1.0.0.21E236 (iPad; U; CPU OS 17_4 like Mac OS X; en_us)", 3},
	{"Dalvik/2.1.0 (Linux; U; Android 11; AFTKA Build/RS8101.1389N)", 3},
	{"Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) 94.0.4606.31/7.0 TV Safari/537.36", 2},
}

// ipRange is a block of public IPv4 addresses: base and prefix length.
type ipRange struct {
	base   uint32
	prefix uint
	weight float64
}

func ip4(a, b, c, d uint32) uint32 { return a<<24 | b<<16 | c<<8 | d }

// homeRanges are residential and mobile ISP blocks around the world; the
// small blocks first are ones that GeoIP test databases locate, so that
// enrichment tests find them.
var homeRanges = []ipRange{
	{ip4(81, 2, 69, 128), 26, 4},
	{ip4(89, 160, 20, 112), 28, 2},
	{ip4(175, 16, 199, 0), 24, 2},
	{ip4(216, 160, 83, 56), 29, 2},
	{ip4(2, 125, 160, 216), 29, 1},
	{ip4(73, 0, 0, 0), 9, 14},       // US cable
	{ip4(24, 0, 0, 0), 12, 6},       // US cable
	{ip4(99, 0, 0, 0), 11, 6},       // US DSL/fibre
	{ip4(174, 192, 0, 0), 10, 6},    // US mobile
	{ip4(86, 128, 0, 0), 10, 6},     // UK
	{ip4(93, 192, 0, 0), 10, 7},     // Germany
	{ip4(90, 0, 0, 0), 9, 5},        // France
	{ip4(79, 0, 0, 0), 11, 4},       // Italy
	{ip4(83, 32, 0, 0), 11, 3},      // Spain
	{ip4(95, 24, 0, 0), 13, 3},      // Russia
	{ip4(177, 0, 0, 0), 10, 5},      // Brazil
	{ip4(49, 204, 0, 0), 14, 4},     // India
	{ip4(126, 0, 0, 0), 9, 4},       // Japan
	{ip4(110, 32, 0, 0), 12, 3},     // Australia
	{ip4(36, 64, 0, 0), 11, 4},      // Indonesia
	{ip4(189, 128, 0, 0), 10, 3},    // Mexico
	{ip4(197, 210, 0, 0), 15, 1},    // Nigeria
	{ip4(118, 32, 0, 0), 11, 2},     // Korea
	{ip4(203, 160, 0, 0), 14, 1},    // Philippines
	{ip4(85, 224, 0, 0), 12, 2},     // Sweden, Nordics
	{ip4(212, 186, 0, 0), 15, 1},    // Austria
	{ip4(109, 128, 0, 0), 11, 2},    // Poland
	{ip4(41, 128, 0, 0), 10, 1},     // Egypt
	{ip4(58, 0, 0, 0), 9, 2},        // China
	{ip4(180, 160, 0, 0), 11, 2},    // Vietnam
	{ip4(186, 0, 0, 0), 11, 2},      // Argentina
	{ip4(142, 112, 0, 0), 12, 1},    // Canada
	{ip4(151, 0, 0, 0), 10, 1},      // Italy mobile
	{ip4(46, 96, 0, 0), 11, 1},      // Turkey
	{ip4(102, 64, 0, 0), 11, 0.5},   // South Africa
	{ip4(5, 160, 0, 0), 12, 0.5},    // Iran
	{ip4(188, 160, 0, 0), 11, 0.5},  // Ukraine
	{ip4(213, 200, 0, 0), 13, 0.5},  // Netherlands
	{ip4(62, 45, 0, 0), 16, 0.5},    // Belgium
	{ip4(200, 40, 0, 0), 13, 0.5},   // Chile
	{ip4(190, 128, 0, 0), 10, 0.5},  // Colombia
	{ip4(223, 24, 0, 0), 13, 0.5},   // Thailand
	{ip4(114, 120, 0, 0), 13, 0.5},  // Malaysia
	{ip4(39, 32, 0, 0), 11, 0.5},    // Pakistan
	{ip4(105, 160, 0, 0), 11, 0.5},  // Kenya
	{ip4(37, 200, 0, 0), 13, 0.5},   // Saudi Arabia
	{ip4(94, 200, 0, 0), 13, 0.5},   // Emirates
	{ip4(178, 128, 0, 0), 11, 0.25}, // Israel
	{ip4(80, 72, 0, 0), 13, 0.25},   // Czechia
	{ip4(212, 200, 0, 0), 13, 0.25}, // Portugal
}

// cloudRanges are data-centre blocks where crawlers and scripts live.
var cloudRanges = []ipRange{
	{ip4(66, 249, 64, 0), 19, 3}, // a search engine's crawlers
	{ip4(157, 55, 0, 0), 16, 2},  // another search engine's crawlers
	{ip4(3, 0, 0, 0), 9, 4},      // public cloud
	{ip4(52, 0, 0, 0), 11, 4},    // public cloud
	{ip4(34, 64, 0, 0), 10, 3},   // public cloud
	{ip4(138, 68, 0, 0), 16, 2},  // hosting
	{ip4(45, 32, 0, 0), 14, 2},   // hosting
	{ip4(5, 9, 0, 0), 16, 1},     // hosting
}

// ipIn returns the address of range g picked by v (a random number);
// addresses ending in .0 and .255 are moved inside the range.
func ipIn(g ipRange, v uint64) uint32 {
	ip := g.base + uint32(v&(1<<(32-g.prefix)-1))
	switch ip & 0xff {
	case 0:
		ip++
	case 255:
		ip--
	}
	return ip
}

// Site names are built from words, so that a website id always names the
// same domain whatever the seed.
var (
	sitePrefixes = []string{"daily", "my", "the", "best", "top", "smart", "city", "global", "happy", "open", "true", "quick", "urban", "fresh", "super", "bright", "local", "prime", "pure", "real"}
	siteTopics   = []string{"news", "cars", "pets", "recipes", "travel", "finance", "health", "sports", "games", "fashion", "homes", "tech", "jobs", "movies", "music", "garden", "beauty", "deals", "weather", "kids"}
	siteTLDs     = []string{".com", ".net", ".org", ".co.uk", ".de", ".fr", ".io", ".com.br", ".es", ".it"}
)

// siteDomain is the domain of site i (i < 400 gives distinct names).
func siteDomain(i int) string {
	p := sitePrefixes[i%len(sitePrefixes)]
	t := siteTopics[(i/len(sitePrefixes))%len(siteTopics)]
	return p + t + siteTLDs[(i*7+i/len(sitePrefixes))%len(siteTLDs)]
}

// Nexmark's fixed vocabularies (names, cities and states of its people,
// the channels of its bids).
var (
	nexmarkFirstNames = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	nexmarkLastNames  = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	nexmarkStates     = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	nexmarkCities     = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	nexmarkChannels   = []string{"Google", "Facebook", "Baidu", "Apple"}
)
