/**
 * Word lists of the demo data (local/demo-data.ts). Index i of CATEGORIES matches block i (TOPIC_COUNT words) of
 * TOPICS and entry i of CHANNEL_NOUNS and BIO_LINES; PLATFORM_* lists follow PLATFORM_SLUGS.
 */
export const CATEGORIES = ['music', 'gaming', 'education', 'entertainment', 'sports', 'technology', 'lifestyle', 'comedy',
  'news', 'food', 'travel', 'fitness', 'beauty', 'art', 'business'] as const;
export const TOPIC_COUNT = 16;
export const TOPICS: string[][] = [
  ['Guitar', 'Piano', 'Drum', 'Vocal', 'Album', 'Playlist', 'Concert', 'Songwriting', 'Beat', 'Hip Hop', 'Jazz', 'Lofi', 'Cover', 'Synth', 'Bass', 'Music Theory'],
  ['Minecraft', 'Fortnite', 'Speedrun', 'Gaming', 'Boss Fight', 'Elden Ring', 'Zelda', 'Esports', 'Retro Gaming', 'Console', 'PC Build', 'Walkthrough', 'Let\'s Play', 'Pokemon', 'Roblox', 'Indie Game'],
  ['Calculus', 'Physics', 'Chemistry', 'History', 'Biology', 'Study', 'Exam', 'Language', 'Spanish', 'Geometry', 'Essay', 'Algebra', 'Astronomy', 'Philosophy', 'Economics', 'Grammar'],
  ['Movie', 'Trailer', 'Celebrity', 'Netflix', 'Anime', 'Series', 'Podcast', 'Talk Show', 'Behind The Scenes', 'Box Office', 'Marvel', 'Award Show', 'Sitcom', 'Drama', 'Reality TV', 'Fan Theory'],
  ['Football', 'Basketball', 'Soccer', 'Tennis', 'Golf', 'Baseball', 'Boxing', 'Skateboarding', 'Cycling', 'Formula 1', 'Hockey', 'Marathon', 'Surfing', 'Cricket', 'Climbing', 'Match Highlights'],
  ['Smartphone', 'Laptop', 'Gadget', 'Coding', 'Python', 'JavaScript', 'AI', 'Smart Home', 'Headphones', 'Camera', 'Linux', 'Keyboard', 'Tablet', 'Cloud', 'Cybersecurity', 'App'],
  ['Morning Routine', 'Minimalism', 'Productivity', 'Home Decor', 'Self Care', 'Vlog', 'Apartment', 'Journaling', 'Plant', 'Organization', 'Wellness', 'Budget', 'Family', 'Pet', 'Garden', 'Habit'],
  ['Sketch', 'Standup', 'Prank', 'Parody', 'Meme', 'Roast', 'Improv', 'Blooper', 'Skit', 'Impression', 'Satire', 'Funny Moments', 'Joke', 'Sitcom Parody', 'Roommate', 'Dad Joke'],
  ['Election', 'Economy', 'Climate', 'Policy', 'Interview', 'Debate', 'Breaking News', 'Analysis', 'Protest', 'Court', 'Report', 'Congress', 'Investigation', 'Headline', 'Summit', 'Fact Check'],
  ['Recipe', 'Sourdough', 'Pasta', 'Ramen', 'Vegan', 'Baking', 'Street Food', 'Meal Prep', 'Pizza', 'Curry', 'Dessert', 'BBQ', 'Breakfast', 'Sushi', 'Air Fryer', 'Cooking'],
  ['Japan', 'Italy', 'Road Trip', 'Backpacking', 'Hotel', 'Beach', 'Hiking', 'Van Life', 'Iceland', 'Budget Travel', 'Mexico', 'Camping', 'Island', 'Paris', 'Flight', 'Solo Travel'],
  ['Workout', 'Yoga', 'HIIT', 'Running', 'Strength', 'Stretching', 'Pilates', 'Calisthenics', 'Home Workout', 'Protein', 'Abs', 'Cardio', 'Mobility', 'Weight Loss', 'Gym', 'Nutrition'],
  ['Makeup', 'Skincare', 'Haircut', 'Nail Art', 'Outfit', 'Fashion', 'Lipstick', 'Thrift Haul', 'Perfume', 'Streetwear', 'Eyeliner', 'Curly Hair', 'Foundation', 'Sneakers', 'Styling', 'Lookbook'],
  ['Drawing', 'Painting', 'Watercolor', 'Sculpture', 'Illustration', 'Digital Art', 'Pottery', 'Calligraphy', 'Photography', 'Animation', 'Sketchbook', 'Portrait', 'Graphic Design', 'Procreate', 'Oil Painting', 'Street Art'],
  ['Investing', 'Stock Market', 'Startup', 'Crypto', 'Marketing', 'Side Hustle', 'Real Estate', 'Freelancing', 'Personal Finance', 'Leadership', 'Ecommerce', 'Negotiation', 'Branding', 'Passive Income', 'Entrepreneur', 'Productivity Tools'],
];
export const CHANNEL_NOUNS = ['Beats', 'Plays', 'Academy', 'Central', 'Sports', 'Tech', 'Life', 'Laughs', 'Report', 'Kitchen', 'Travels',
  'Fit', 'Glow', 'Studio', 'Money'];
export const BIO_LINES = [
  'Making music and sharing every step of the process.', 'Gaming videos, speedruns and walkthroughs.',
  'Explaining hard ideas simply.', 'Your weekly dose of entertainment news and reactions.', 'Highlights, analysis and training tips.',
  'Gadgets, code and the tools behind them.', 'Slow living, routines and small joys.', 'Sketches and stand-up, new jokes every week.',
  'Independent news and analysis.', 'Home cooking and easy recipes.', 'Travel guides from the road.',
  'Workouts and nutrition that fit real life.', 'Makeup, skincare and fashion for every day.', 'Studio vlogs and sketchbook tours.',
  'Business, investing and personal finance, explained.'];
export const FIRST_NAMES = ['Luna', 'Mateo', 'Ava', 'Kai', 'Zoe', 'Leo', 'Maya', 'Noah', 'Aria', 'Ezra', 'Isla', 'Theo', 'Nora', 'Milo',
  'Ivy', 'Jonah', 'Sofia', 'Finn', 'Chloe', 'Ravi', 'Amara', 'Hiro', 'Lena', 'Omar', 'Priya', 'Diego', 'Freya', 'Tariq', 'Mei', 'Jude'];
export const LAST_NAMES = ['Rivera', 'Chen', 'Okafor', 'Nakamura', 'Silva', 'Novak', 'Haddad', 'Kowalski', 'Brooks', 'Patel', 'Moreau',
  'Jensen', 'Alvarez', 'Kim', 'Ferreira', 'Larsen', 'Osei', 'Rossi', 'Tanaka', 'Quinn', 'Mbeki', 'Varga', 'Lindqvist', 'Reyes', 'Shah'];
export const ADJECTIVES = ['Ultimate', 'Easy', 'Honest', 'Epic', 'Beginner', 'Advanced', 'Quick', 'Complete', 'Cozy', 'Budget', 'Pro',
  'Insane', 'Simple', 'Weekly', 'Late Night', 'Midnight', 'Retro', 'Little', 'Daily', 'Wild'];
/** Formats appear only in titles: each is in ~5% of items (Tutorial, Review: the common search terms). */
export const FORMATS = ['Tutorial', 'Review', 'Guide', 'Tips', 'Highlights', 'Vlog', 'Challenge', 'Reaction', 'Explained', 'Livestream',
  'Unboxing', 'Haul', 'Deep Dive', 'Q&A', 'Breakdown', 'Compilation'];
export const HOOKS = ['What Nobody Tells You', 'Is It Worth It?', 'for Beginners', 'in 10 Minutes', 'Full Guide', 'Part 2',
  'You Need to See This', 'I Was Wrong', 'Step by Step', 'The Truth', 'Best of the Year', 'Before You Start'];
export const VERBS = ['Learned', 'Tried', 'Mastered', 'Tested', 'Ranked', 'Fixed', 'Built', 'Survived'];
export const CTAS = ['Subscribe for more.', 'Let me know in the comments what you think.', 'New videos every week.',
  'Links and timestamps below.', 'Thanks for watching!', 'Share this with a friend who needs it.'];
export const LANGUAGES = ['en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'es', 'pt', 'de', 'fr', 'ja', 'en', 'en', 'en'];
/** platform order of PLATFORM_SLUGS; each platform's four content-type slots (repeats weight the draw). */
export const PLATFORM_SLUGS = ['youtube', 'instagram', 'tiktok', 'facebook', 'twitter'] as const;
export const PLATFORM_TYPES = [
  ['long_video', 'long_video', 'short_video', 'long_video'],
  ['image', 'carousel', 'reel', 'story'],
  ['short_video', 'short_video', 'short_video', 'story'],
  ['post', 'long_video', 'reel', 'image'],
  ['post', 'post', 'image', 'short_video'],
];
export const PLATFORM_URLS = ['https://www.youtube.com/watch?v=', 'https://www.instagram.com/p/', 'https://www.tiktok.com/video/',
  'https://www.facebook.com/watch/?v=', 'https://x.com/i/status/'];
export const PLATFORM_PROFILE_URLS = ['https://www.youtube.com/@', 'https://www.instagram.com/', 'https://www.tiktok.com/@',
  'https://www.facebook.com/', 'https://x.com/'];

/** ~2,000 made-up words ("velmorin", "quasotek"): rare search terms, each in a few dozen items per million. */
export function rareWords(): string[] {
  const starts = ['vel', 'quas', 'zor', 'brin', 'kal', 'mith', 'tor', 'fen', 'yal', 'drev', 'os', 'pra', 'lum', 'gha', 'xan',
    'tel', 'nir', 'cov', 'sab', 'ulm'];
  const middles = ['o', 'a', 'i', 'e', 'u'];
  const ends = ['rin', 'tek', 'vash', 'mond', 'quil', 'dor', 'lix', 'bru', 'nash', 'pel', 'zet', 'gorn', 'mar', 'fyn', 'keth',
    'sul', 'dra', 'wen', 'tox', 'lom'];
  return starts.flatMap((s) => middles.flatMap((m) => ends.map((e) => `${s}${m}${e}`)));
}

