LONG = {
    "en": "The buses in the morning are always late and very full, so I walk to work",
    "cy": "Byddai bysiau amlach yn y bore yn help mawr i mi a fy nheulu",
    "pl": "Autobusy rano zawsze się spóźniają i są bardzo pełne, więc chodzę do pracy pieszo",
    "ro": "Autobuzele de dimineață întârzie mereu și sunt foarte aglomerate, așa că merg pe jos",
    "ar": "الحافلات في الصباح تتأخر دائما وتكون مزدحمة جدا لذلك أمشي إلى العمل",
    "ur": "صبح کے وقت بسیں ہمیشہ دیر سے آتی ہیں اور بہت بھری ہوتی ہیں، اس لیے میں پیدل کام پر جاتا ہوں",
    "pa": "ਸਵੇਰੇ ਬੱਸਾਂ ਹਮੇਸ਼ਾ ਦੇਰ ਨਾਲ ਆਉਂਦੀਆਂ ਹਨ ਅਤੇ ਬਹੁਤ ਭਰੀਆਂ ਹੁੰਦੀਆਂ ਹਨ, ਇਸ ਲਈ ਮੈਂ ਪੈਦਲ ਕੰਮ ਤੇ ਜਾਂਦਾ ਹਾਂ",
    "bn": "সকালে বাসগুলো সবসময় দেরিতে আসে আর খুব ভিড় থাকে, তাই আমি হেঁটে কাজে যাই",
    "pt": "Os autocarros de manhã estão sempre atrasados e muito cheios, por isso vou a pé para o trabalho",
    "es": "Los autobuses por la mañana siempre llegan tarde y van muy llenos, así que voy andando al trabajo",
    "so": "Basaska subaxdii had iyo jeer way soo daahaan oo aad bay u buuxaan, sidaa darteed waxaan u socdaa shaqada",
    "uk": "Автобуси вранці завжди запізнюються і дуже переповнені, тому я ходжу на роботу пішки",
}
